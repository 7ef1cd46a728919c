"""`koppelkans history KIND ID`: who changed a record when, and what it was at a past moment."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import context_of, emit_json, fail
from koppelkans.errors import KoppelkansError
from koppelkans.history import history_as_json, record_history

__all__ = ["add_commands"]

_SHOWN_VALUE_CHARS = 40


def history(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="works, assets, segments, areas, tasks, organisations, projects, …"),
    record_id: str = typer.Argument(..., metavar="ID", help="the record's id (or code)"),
    at: str = typer.Option(None, "--at", help="show the record as it was at this moment (ISO 8601, UTC default)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """The audit log of one record: every change (who, when, old → new), or its state at a moment."""
    try:
        payload = history_as_json(record_history(context_of(ctx).store(), kind, record_id), at=at)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json(payload)
        return
    for entry in payload["entries"]:
        typer.echo(f"{entry['at']}  {entry['actor']}  {entry['operation']}")
        if entry["operation"] == "update":
            for name in entry["changed"]:
                typer.echo(f"    {name}: {_short(entry['old'].get(name))} → {_short(entry['new'].get(name))}")
    if at is not None:
        state = payload["state"]
        typer.echo(f"at {payload['at']}: " + ("did not exist" if state is None else ""))
        for name, value in (state or {}).items():
            typer.echo(f"    {name}: {_short(value)}")


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 1] + "…"


def add_commands(app: typer.Typer) -> None:
    app.command("history")(history)
