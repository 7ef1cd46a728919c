"""A real uvicorn server on a free port in a background thread, serving the API on a test store."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from koppelkans.api import create_app
from koppelkans.config import Settings
from koppelkans.identity import add_user, create_token
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek


@dataclass
class ApiServer:
    """A running server (`url`), an HTTP client on it, and the store it serves (for checking effects)."""

    url: str
    client: httpx.Client
    store: SqlRepository
    headers: dict[str, str]
    """The admin's `Authorization` header, for clients other than `client` (OWSLib, schemathesis)."""


def store_url(store: SqlRepository) -> str:
    """The URL a server process opens the test store with (with the password, unlike `store.url`)."""
    if store.engine.dialect.name == "postgresql":
        return store.engine.url.render_as_string(hide_password=False)
    return str(store.url)


ADMIN = "admin@test.example"


def admin_headers(store: SqlRepository, email: str = ADMIN) -> dict[str, str]:
    """An admin user in the store and the `Authorization` header of a new API token of theirs."""
    add_user(store, email, organisation=None, role="admin", password=None)
    return {"Authorization": f"Bearer {create_token(store, email).secret}"}


@contextmanager
def running_server(db: str) -> Iterator[str]:
    """Serve the API on the store `db` until the block ends; yields the base URL."""
    app = create_app(Settings(db=db))
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it Nagle's algorithm adds ~40 ms to every response on loopback.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def api(store: SqlRepository) -> Iterator[ApiServer]:
    """The Roombeek register served by a real uvicorn server (on both back-ends, via `store`)."""
    load_roombeek(store)
    headers = admin_headers(store)
    with running_server(store_url(store)) as url, httpx.Client(base_url=url, timeout=30, headers=headers) as client:
        yield ApiServer(url=url, client=client, store=store, headers=headers)
