"""`koppelkans serve`: the web API (REST, OGC API – Features, vector tiles) on the store."""

from __future__ import annotations

import os

import typer

from koppelkans.cli.shell import context_of, fail
from koppelkans.errors import KoppelkansError

__all__ = ["add_commands", "serve"]


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="server processes (one per core serves most)"),
) -> None:
    """Serve the API: /api (REST), /ogc (OGC API – Features), /tiles (vector tiles), /docs."""
    import uvicorn

    from koppelkans.api import create_app

    settings = context_of(ctx).settings
    try:
        app = create_app(settings)  # opened here too, so a bad store fails before listening
    except KoppelkansError as error:
        fail(error, as_json=False)
    typer.echo(f"Koppelkans API on http://{host}:{port}/docs (store {settings.db})", err=True)
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    os.environ["KOPPELKANS_DB"] = settings.db  # each worker process builds its app from the environment
    uvicorn.run(
        "koppelkans.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def add_commands(app: typer.Typer) -> None:
    """Attach `serve` to the main app."""
    app.command("serve")(serve)
