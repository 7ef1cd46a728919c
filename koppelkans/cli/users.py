"""`koppelkans user …` and `koppelkans token …`: the people and systems that may use the register."""

from __future__ import annotations

import os

import typer

from koppelkans.access import ROLES, Action
from koppelkans.cli.shell import context_of, emit_json
from koppelkans.identity import add_user, create_token, revoke_token

__all__ = ["add_commands", "token_app", "user_app"]

user_app = typer.Typer(help="Users: an e-mail, an organisation and a role.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for systems (sent as `Authorization: Bearer …`).", no_args_is_help=True)
PASSWORD_ENV = "KOPPELKANS_PASSWORD"


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="the user's e-mail address (the login name)"),
    org: str = typer.Option(None, "--org", help="code of the user's organisation (required except for admins)"),
    role: str = typer.Option(..., "--role", help=f"one of {', '.join(ROLES)}"),
    password: str = typer.Option(
        None, "--password", help=f"web login password (default: ${PASSWORD_ENV}, else asked; --no-password: none)"
    ),
    no_password: bool = typer.Option(False, "--no-password", help="no web login: the user works with API tokens"),
    as_json: bool = typer.Option(False, "--json", help="print the user (or the error) as JSON"),
) -> None:
    """Add a user (or change an existing user's organisation, role or password)."""
    with context_of(ctx).authorised(Action.MANAGE, "users", as_json=as_json) as (store, _):
        secret = None if no_password else (password or os.environ.get(PASSWORD_ENV))
        if secret is None and not no_password:
            secret = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        user = add_user(store, email, organisation=org, role=role, password=secret)
    if as_json:
        emit_json(user)
        return
    typer.echo(
        f"user {user['email']}: {user['role']}" + (f" of {user['organisation']}" if user["organisation"] else "")
    )


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """The users, their organisation and role."""
    with context_of(ctx).authorised(Action.MANAGE, "users", as_json=as_json) as (store, _):
        users = store.read_users().drop(columns=["password_hash"])
    if as_json:
        emit_json(users.to_dict("records"))
        return
    for user in users.itertuples(index=False):
        typer.echo(f"{user.email}\t{user.role}\t{user.organisation or '-'}")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="the user the token acts as"),
    scope: str = typer.Option("write", "--scope", help="read (GET only) or write"),
    expires: float = typer.Option(None, "--expires", help="days until the token expires (default: never)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an API token and print it once: only its hash is stored, so it cannot be shown again."""
    with context_of(ctx).authorised(Action.MANAGE, "tokens", as_json=as_json) as (store, _):
        token = create_token(store, email, scope=scope, expires_days=expires)
    if as_json:
        emit_json(
            {
                "id": token.id,
                "token": token.secret,
                "email": token.email,
                "scope": token.scope,
                "expires_at": token.expires_at,
            }
        )
        return
    typer.echo(token.secret)
    typer.echo(
        f"token {token.id} for {token.email}, scope {token.scope}, "
        f"{'expires ' + token.expires_at if token.expires_at else 'no expiry'}; it is shown only now",
        err=True,
    )


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context, token_id: str = typer.Argument(..., help="the token's id (from `token list`)")
) -> None:
    """Revoke a token: requests with it are refused from now on."""
    with context_of(ctx).authorised(Action.MANAGE, "tokens", as_json=False) as (store, _):
        revoke_token(store, token_id)
    typer.echo(f"revoked {token_id}")


@token_app.command("list")
def token_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """The tokens (never their secrets): id, user, scope, created, expires, revoked."""
    with context_of(ctx).authorised(Action.MANAGE, "tokens", as_json=as_json) as (store, _):
        tokens = store.read_tokens()
    if as_json:
        emit_json(tokens.to_dict("records"))
        return
    for t in tokens.itertuples(index=False):
        state = f"revoked {t.revoked_at}" if t.revoked_at else (f"expires {t.expires_at}" if t.expires_at else "active")
        typer.echo(f"{t.id}\t{t.email}\t{t.scope}\t{t.created_at}\t{state}")


def add_commands(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
