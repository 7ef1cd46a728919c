"""`koppelkans subscribe` and `koppelkans notify`: partners watching their network area (C4)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from koppelkans.access import Action
from koppelkans.cli.shell import context_of, emit_json
from koppelkans.domain.audit import moment_of
from koppelkans.messages import digest_subject
from koppelkans.notifications import area_from_file, notify, subscribe, subscription_as_json

__all__ = ["add_commands"]


def subscribe_command(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., metavar="ORG", help="code of the subscribing organisation"),
    area: Path = typer.Option(
        ..., "--area", help="its interest area: a GeoJSON file, a GeoPackage or a (zipped) Shapefile of polygons"
    ),
    layer: str = typer.Option(None, "--layer", help="the layer to read, when the file has several"),
    email: str = typer.Option(None, "--email", help="send the digest to this address"),
    webhook: str = typer.Option(None, "--webhook", help="POST the digest (JSON) to this URL"),
    secret: str = typer.Option(None, "--secret", help="the secret the webhook's HMAC-SHA256 signature uses"),
    language: str = typer.Option("nl", "--language", help="language of the e-mail digest: nl (default) or en"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Watch an area: be told of new works, changed windows and new couplings and conflicts there."""
    with context_of(ctx).authorised(Action.CREATE, "subscriptions", organisation, as_json=as_json) as (store, who):
        shape = area_from_file(area, layer=layer)
        created = subscribe(
            store,
            organisation,
            shape,
            email=email,
            webhook_url=webhook,
            secret=secret,
            language=language,
            actor=who.actor,
        )
    if as_json:
        emit_json(subscription_as_json(created))
        return
    where = " and ".join(x for x in (email, webhook) if x)
    typer.echo(f"subscription {created['id']}: {organisation} is told at {where} of what happens in its area")


def notify_command(
    ctx: typer.Context,
    now: str = typer.Option(None, "--now", help="send what is due at this moment (ISO 8601; default: now)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Send every subscription the digest of what changed in its area since it was last told (run it daily)."""
    context = context_of(ctx)
    with context.authorised(Action.RUN, "notifications", as_json=as_json) as (store, principal):
        moment = None if now is None else datetime.fromisoformat(moment_of(now, field="now"))
        sent = notify(store, settings=context.settings, now=moment, actor=principal.actor)
    if as_json:
        emit_json(
            [
                {"digest": digest.as_json(), "deliveries": [d.as_row() for d in deliveries]}
                for digest, deliveries in sent
            ]
        )
        return
    for digest, deliveries in sent:
        outcome = ", ".join(f"{d.channel} #{d.attempt} {'ok' if d.ok else 'failed'}" for d in deliveries)
        typer.echo(f"{digest.subscription_id} ({digest.organisation}): {digest_subject(digest)} — {outcome}")
    typer.echo(f"{len(sent)} digest(s) sent")


def add_commands(app: typer.Typer) -> None:
    app.command("subscribe")(subscribe_command)
    app.command("notify")(notify_command)
