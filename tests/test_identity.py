"""Users, API tokens, web sessions and login throttling in the store, and the CLI's `--as` rule, on both back-ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from koppelkans.access import Role
from koppelkans.cli.main import app
from koppelkans.config import Settings
from koppelkans.errors import NotFound, TooManyAttempts, Unauthenticated, ValidationFailed
from koppelkans.identity import (
    add_user,
    create_token,
    log_in,
    log_out,
    principal_from_session,
    principal_from_token,
    revoke_token,
)
from koppelkans.store import SqlRepository

from .api_server import store_url
from .register_helpers import load_roombeek

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PASSWORD = "twente-2026!"


@pytest.fixture
def register(store: SqlRepository) -> SqlRepository:
    load_roombeek(store, until="organisations")
    add_user(store, "Ed@Enexis.nl", organisation="ENEXIS", role="editor", password=PASSWORD, now=T0)
    return store


def test_a_user_is_stored_with_a_hashed_password(register: SqlRepository) -> None:
    user = register.read_user("ed@enexis.nl")
    assert user is not None and user["organisation"] == "ENEXIS" and user["role"] == "editor"
    assert user["password_hash"].startswith("$argon2id$") and PASSWORD not in user["password_hash"]


@pytest.mark.parametrize(
    ("email", "org", "role", "field"),
    [
        ("not-an-email", "ENEXIS", "editor", "email"),
        ("x@y.nl", "ENEXIS", "boss", "role"),
        ("x@y.nl", "NOPE", "editor", "organisation"),
        ("x@y.nl", None, "viewer", "organisation"),
    ],
)
def test_a_bad_user_is_refused_naming_the_field(register: SqlRepository, email, org, role, field) -> None:
    with pytest.raises(ValidationFailed) as refused:
        add_user(register, email, organisation=org, role=role, password=PASSWORD)
    assert refused.value.field == field
    assert len(register.read_users()) == 1


def test_a_token_is_stored_hashed_and_identifies_its_user_until_expiry_or_revocation(register: SqlRepository) -> None:
    token = create_token(register, "ed@enexis.nl", scope="read", expires_days=1, now=T0)
    stored = register.read_token(token_id=token.id)
    assert stored is not None and token.secret not in stored.values()
    principal = principal_from_token(register, token.secret, now=T0 + timedelta(hours=1))
    assert (principal.email, principal.organisation, principal.role, principal.scope) == (
        "ed@enexis.nl",
        "ENEXIS",
        Role.EDITOR,
        "read",
    )
    with pytest.raises(Unauthenticated, match="expired"):
        principal_from_token(register, token.secret, now=T0 + timedelta(days=1, seconds=1))
    lasting = create_token(register, "ed@enexis.nl", now=T0)
    revoke_token(register, lasting.id, now=T0)
    with pytest.raises(Unauthenticated, match="revoked"):
        principal_from_token(register, lasting.secret, now=T0)
    with pytest.raises(Unauthenticated, match="unknown"):
        principal_from_token(register, "kk_guessed", now=T0)
    with pytest.raises(NotFound):
        revoke_token(register, "tnope")


def test_login_opens_a_session_and_logout_ends_it(register: SqlRepository) -> None:
    session = log_in(register, "ED@enexis.nl", PASSWORD, ip="10.0.0.1", settings=Settings(), now=T0)
    again = principal_from_session(register, session.secret, now=T0 + timedelta(hours=1))
    assert again.principal.email == "ed@enexis.nl" and again.csrf_token == session.csrf_token
    with pytest.raises(Unauthenticated):
        principal_from_session(register, session.secret, now=T0 + timedelta(hours=13))
    log_out(register, session.secret)
    with pytest.raises(Unauthenticated):
        principal_from_session(register, session.secret, now=T0)


def test_five_failed_logins_block_that_email_and_address_for_fifteen_minutes(register: SqlRepository) -> None:
    settings = Settings()
    for minute in range(5):
        with pytest.raises(Unauthenticated):
            log_in(
                register, "ed@enexis.nl", "wrong", ip="10.0.0.9", settings=settings, now=T0 + timedelta(minutes=minute)
            )
    with pytest.raises(TooManyAttempts):  # even with the right password
        log_in(register, "ed@enexis.nl", PASSWORD, ip="10.0.0.9", settings=settings, now=T0 + timedelta(minutes=5))
    log_in(register, "ed@enexis.nl", PASSWORD, ip="10.0.0.10", settings=settings, now=T0 + timedelta(minutes=5))
    log_in(register, "ed@enexis.nl", PASSWORD, ip="10.0.0.9", settings=settings, now=T0 + timedelta(minutes=20))


def kk(store: SqlRepository, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", store_url(store), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_user_and_token_commands(register: SqlRepository) -> None:
    code, _, err = kk(
        register,
        "user",
        "add",
        "vi@gemeente.nl",
        "--org",
        "GM0153",
        "--role",
        "viewer",
        env={"KOPPELKANS_PASSWORD": PASSWORD},
    )
    assert code == 0, err
    code, out, _ = kk(register, "user", "list")
    assert out.splitlines() == ["ed@enexis.nl\teditor\tENEXIS", "vi@gemeente.nl\tviewer\tGM0153"]
    code, out, err = kk(register, "token", "create", "vi@gemeente.nl", "--scope", "read", "--expires", "30")
    secret = out.strip()
    assert code == 0 and secret.startswith("kk_") and "shown only now" in err
    assert principal_from_token(register, secret).email == "vi@gemeente.nl"
    token_id = register.read_tokens()["id"].iloc[0]
    code, out, _ = kk(register, "token", "list")
    assert token_id in out and secret not in out
    assert kk(register, "token", "revoke", token_id)[0] == 0
    with pytest.raises(Unauthenticated):
        principal_from_token(register, secret)


def test_cli_with_as_refuses_what_the_user_may_not_change_and_changes_nothing(register: SqlRepository) -> None:
    code, _, err = kk(register, "--as", "ed@enexis.nl", "org", "add", "NEW", "Nieuw", "--kind", "other")
    assert code == 5 and err.strip() == "error: ed@enexis.nl (editor, ENEXIS) may not create organisations NEW"
    assert "NEW" not in register.keys("organisations")
    code, _, err = kk(register, "--as", "ed@enexis.nl", "user", "add", "x@y.nl", "--role", "admin", "--no-password")
    assert code == 5 and "may not manage users" in err
    assert kk(register, "--as", "nobody@x.nl", "org", "add", "NEW", "Nieuw", "--kind", "other")[0] == 5
    assert "NEW" not in register.keys("organisations")
    code, _, err = kk(register, "org", "add", "NEW", "Nieuw", "--kind", "other")  # the local operator acts as admin
    assert code == 0, err
    assert "NEW" in register.keys("organisations")
