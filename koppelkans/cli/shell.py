"""What every command shares: the store it works on, progress display and the one error shape."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from koppelkans.access import Action, Principal, Role, require
from koppelkans.config import Settings
from koppelkans.errors import KoppelkansError, ValidationFailed
from koppelkans.store import Repository, open_store

__all__ = ["MAX_PROBLEM_LINES", "Context", "console", "context_of", "emit_json", "fail", "steps"]

console = Console(stderr=True)
MAX_PROBLEM_LINES = 50


@dataclass
class Context:
    """The state of one CLI invocation: settings and the store URL."""

    settings: Settings

    def store(self) -> Repository:
        return open_store(self.settings.db)

    @property
    def actor(self) -> str:
        """Who this invocation acts as, for authorisation and the audit log: `--as`, else `cli:<login>`."""
        return self.settings.user or f"cli:{getpass.getuser()}"

    def principal(self, store: Repository) -> Principal:
        """Who this invocation is for authorisation: the `--as` user (who must exist), or else the local
        operator, who holds the database credentials and so acts as admin."""
        if self.settings.user is None:
            return Principal(email=self.actor, organisation=None, role=Role.ADMIN)
        from koppelkans.identity import principal_for_cli  # here: the CLI's start-up stays light

        return principal_for_cli(store, self.settings.user)

    def require(self, store: Repository, action: Action | str, kind: str, record_or_org: Any = None) -> Principal:
        """The principal, if it may do this (Forbidden otherwise): every data-changing command asks first."""
        principal = self.principal(store)
        require(principal, action, kind, record_or_org)
        return principal

    @contextmanager
    def authorised(
        self, action: Action | str, kind: str, record_or_org: Any = None, *, as_json: bool
    ) -> Iterator[tuple[Repository, Principal]]:
        """The store (at the current schema) and the principal, if it may do this; any KoppelkansError, from
        these checks or from the block, is printed in the one error shape and ends the command (`fail`)."""
        try:
            store = self.store()
            store.require_current_schema()
            yield store, self.require(store, action, kind, record_or_org)
        except KoppelkansError as error:
            fail(error, as_json=as_json)


def context_of(ctx: typer.Context) -> Context:
    return ctx.ensure_object(Context) if ctx.obj is None else ctx.obj  # type: ignore[no-any-return]


def emit_json(payload: Any) -> None:
    """Machine-readable output on stdout."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(error: KoppelkansError, *, as_json: bool) -> None:
    """Print an error in one line (or the one JSON shape) and exit with its code."""
    if as_json:
        payload = error.as_dict()
        if isinstance(error, ValidationFailed):
            payload["error"]["problems"] = [p.as_dict() for p in error.problems]
        emit_json(payload)
    else:
        typer.echo(error.line(), err=True)
        if isinstance(error, ValidationFailed):
            for problem in error.problems[1:MAX_PROBLEM_LINES]:
                typer.echo(f"error: {problem.line()}", err=True)
            hidden = len(error.problems) - MAX_PROBLEM_LINES
            if hidden > 0:
                typer.echo(f"… and {hidden} more; write them all with --report PATH.csv", err=True)
    raise typer.Exit(error.exit_code)


@contextmanager
def steps(total: int, *, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A rich progress bar over the named steps of a long operation."""
    if quiet:
        yield lambda _: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=total)
        started = False

        def step(description: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=description)

        yield step
        progress.update(task, completed=total)
