"""Subscriptions and notifications (C4): the digest of an area from the audit log and the findings, sent as
an e-mail to a real local SMTP server and as a signed webhook to a real local HTTP receiver that fails once."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import httpx
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.geometry
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.cli.main import app
from koppelkans.config import CRS, Settings
from koppelkans.couplings import find_couplings
from koppelkans.domain.audit import AuditEntry, Operation
from koppelkans.domain.findings import members_from_text
from koppelkans.domain.subscriptions import Subscription, digest_for, retry_delays, signature
from koppelkans.errors import InputError
from koppelkans.identity import add_user, create_token
from koppelkans.notifications import notify, subscribe, subscriptions_of
from koppelkans.register import import_records
from koppelkans.store import SqlRepository, open_store
from koppelkans.workflow import coupling_members, escalate_overdue, propose_coupling, respond_to_coupling

from .api_server import ADMIN, running_server, store_url
from .register_helpers import load_roombeek

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]

AREA = shapely.box(257_350, 472_450, 257_850, 472_550)
"""Around the Roomweg (W1, W2) and the start of the Lasondersingel (W3); the Roombeek fibre W4 lies outside."""
SECRET = "s3cret-of-vitens"


# -- real servers ---------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    port: int
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free local port, collecting what it receives."""
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Receiver:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_first: int = 1


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver (http.server in a thread) that answers 500 first, then verifies the signature."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            sent_at = self.headers["X-Koppelkans-Timestamp"]
            expected = "sha256=" + hmac.new(SECRET.encode(), f"{sent_at}.".encode() + body, hashlib.sha256).hexdigest()
            verified = hmac.compare_digest(expected, self.headers["X-Koppelkans-Signature"])
            state.requests.append({"body": json.loads(body), "verified": verified})
            status = 500 if len(state.requests) <= state.fail_first else (200 if verified else 401)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/koppelkans"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# -- the pure digest --------------------------------------------------------------------------------
def _state(work_id: str, window: tuple[int, int, int], line: shapely.Geometry, title: str = "t") -> dict:
    return {
        "id": work_id,
        "title": title,
        "organisation": "X",
        "earliest_start": window[0],
        "preferred_start": window[1],
        "latest_start": window[2],
        "geometry": shapely.to_wkb(line, hex=True),
    }


def _entry(seq: int, op: Operation, old: dict | None, new: dict | None) -> AuditEntry:
    record = (new or old)["id"]
    at = f"2026-05-0{seq}T00:00:00.000000+00:00"
    return AuditEntry(seq=seq, at=at, actor="a", kind="works", record_id=record, operation=op, old=old, new=new)


def test_digest_names_new_works_and_changed_windows_in_the_area_only() -> None:
    inside, outside = shapely.LineString([(257400, 472500), (257800, 472500)]), shapely.LineString([(0, 0), (1, 1)])
    a = _state("A", (2027, 2028, 2029), inside)
    b = _state("B", (2027, 2028, 2029), outside)
    c = _state("C", (2030, 2030, 2031), inside)
    entries = [
        _entry(1, Operation.INSERT, None, a),
        _entry(2, Operation.INSERT, None, b),
        _entry(3, Operation.UPDATE, c, {**c, "latest_start": 2033}),
        _entry(4, Operation.UPDATE, {**c, "latest_start": 2033}, {**c, "latest_start": 2034, "title": "x"}),
        _entry(5, Operation.UPDATE, a, {**a, "title": "renamed"}),
    ]
    empty = gpd.GeoDataFrame({"id": [], "kind": [], "members": []}, geometry=[], crs=CRS)
    subscription = Subscription(id="S", organisation="VITENS", area=AREA, last_notified_at="2026-05-01")
    digest = digest_for(subscription, entries, couplings=empty, conflicts=empty, until="2026-05-09")
    assert [w["id"] for w in digest.new_works] == ["A"] and digest.new_works[0]["title"] == "renamed"
    assert [(w["id"], w["old_window"], w["window"]) for w in digest.changed_windows] == [
        ("C", [2030, 2030, 2031], [2030, 2030, 2034])
    ]
    later = digest_for(subscription, entries, couplings=empty, conflicts=empty, until="2026-05-02T12:00:00")
    assert [w["id"] for w in later.new_works] == ["A"] and not later.changed_windows


def test_signature_is_hmac_sha256_of_timestamp_and_body_and_retries_back_off() -> None:
    assert signature("key", "1700000000", b'{"a":1}') == (
        "sha256=" + hmac.new(b"key", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    )
    assert signature("key", "1700000001", b'{"a":1}') != signature("key", "1700000000", b'{"a":1}')
    assert retry_delays(4, 2.0) == [2.0, 4.0, 8.0] and retry_delays(1, 2.0) == []


# -- sending ----------------------------------------------------------------------------------------
def _add_and_change_works(store: SqlRepository) -> None:
    template = store.read("works", ids=["GM0153-RIO:W1"])
    new = template.assign(id=["VITENS:W9"], organisation=["VITENS"], title=["Nieuwe waterleiding Roomweg"])
    far = template.assign(id=["VITENS:W10"], title=["Ver weg"]).set_geometry(
        [shapely.LineString([(250_000, 470_000), (250_100, 470_000)])], crs=CRS
    )
    w3 = store.read("works", ids=["VITENS:W3"])
    w2 = store.read("works", ids=["GM0153-WEG:W2"])
    with store.transaction(actor="ann@vitens.nl") as tx:
        tx.insert("works", new.assign(asset_ids=[""]))
        tx.insert("works", far.assign(asset_ids=[""]))
        tx.insert("works", w3.assign(latest_start=[2033]), replace=True)
        tx.insert("works", w2.assign(title=["Asfalt Roomweg (nieuwe titel)"]), replace=True)


def test_notify_mails_the_digest_and_posts_a_signed_webhook_retried_after_a_failure(
    store: SqlRepository, mailbox: Mailbox, receiver: Receiver
) -> None:
    load_roombeek(store)
    created = subscribe(
        store, "VITENS", AREA, email="planning@vitens.nl", webhook_url=receiver.url, secret=SECRET, actor="bob"
    )
    find_couplings(store, CouplingOptions(year_from=2026, year_to=2035))
    _add_and_change_works(store)
    settings = Settings(smtp_host="127.0.0.1", smtp_port=mailbox.port, webhook_backoff_s=0.01)
    [(digest, deliveries)] = notify(store, settings=settings)

    assert [w["id"] for w in digest.new_works] == ["VITENS:W9"]
    assert [(w["id"], w["old_window"][2], w["window"][2]) for w in digest.changed_windows] == [
        ("VITENS:W3", 2031, 2033)
    ]
    couplings = store.read_findings("couplings")
    in_area = set(couplings.loc[shapely.intersects(couplings.geometry.to_numpy(), AREA), "id"])
    assert {c["id"] for c in digest.new_couplings} == in_area and in_area

    [(recipients, mail)] = mailbox.messages
    assert recipients == ["planning@vitens.nl"] and mail["Subject"].startswith("Koppelkans VITENS: 1 nieuw werk, ")
    text = mail.get_payload(decode=True).decode()
    assert text.startswith("Wat er veranderde in het gebied van VITENS van ")  # Dutch unless asked otherwise
    assert "VITENS:W9  Nieuwe waterleiding Roomweg" in text and "VITENS:W3  2027–2031 → 2027–2033" in text
    assert "VITENS:W10" not in text and "GM0153-WEG:W2" not in text

    assert [r["verified"] for r in receiver.requests] == [True, True]
    assert receiver.requests[1]["body"]["new_works"][0]["id"] == "VITENS:W9"
    assert receiver.requests[1]["body"]["event"] == "digest"
    recorded = [(d["channel"], d["attempt"], d["ok"], d["status"]) for d in store.read_deliveries()]
    assert recorded == [("email", 1, True, "sent"), ("webhook", 1, False, "500"), ("webhook", 2, True, "200")]
    assert [(d.channel, d.attempt, d.ok) for d in deliveries] == [
        ("email", 1, True),
        ("webhook", 1, False),
        ("webhook", 2, True),
    ]

    assert notify(store, settings=settings) == []  # told: nothing is due twice
    assert len(mailbox.messages) == 1 and len(receiver.requests) == 2
    [after] = store.read_subscriptions(ids=[created["id"]])
    assert after["last_notified_at"] > created["last_notified_at"] and set(after["told_findings"]) >= in_area
    logged = store.read_audit(kind="subscriptions", record_id=created["id"])
    assert logged[0].actor == "bob" and logged[0].new["secret"] == "set"  # the secret never enters the log


def test_a_digest_not_delivered_is_sent_again(store: SqlRepository, mailbox: Mailbox) -> None:
    load_roombeek(store)
    subscribe(store, "VITENS", AREA, email="planning@vitens.nl")
    _add_and_change_works(store)
    [(_, [failed])] = notify(store, settings=Settings(smtp_host="127.0.0.1", smtp_port=_free_port()))
    assert not failed.ok and failed.error
    [(again, [sent])] = notify(store, settings=Settings(smtp_host="127.0.0.1", smtp_port=mailbox.port))
    assert sent.ok and [w["id"] for w in again.new_works] == ["VITENS:W9"]


def test_subscribing_needs_a_known_organisation_polygons_and_a_channel(store: SqlRepository) -> None:
    load_roombeek(store, until="organisations")
    cases = [
        (("NOPE", AREA), {"email": "a@b.nl"}, "organisation"),
        (("VITENS", shapely.Point(1, 1)), {"email": "a@b.nl"}, "area"),
        (("VITENS", AREA), {}, "email"),
        (("VITENS", AREA), {"webhook_url": "ftp://x"}, "webhook_url"),
        (("VITENS", AREA), {"webhook_url": "https://x.nl/hook"}, "secret"),
    ]
    for args, options, field_name in cases:
        with pytest.raises(InputError) as refused:
            subscribe(store, *args, **options)
        assert refused.value.field == field_name
    assert store.read_subscriptions() == []


# -- the CLI and the API ----------------------------------------------------------------------------
def test_subscribe_and_notify_commands(tmp_path: Path, mailbox: Mailbox) -> None:
    db = str(tmp_path / "subscribe.gpkg")
    store = open_store(db)
    store.initialise()
    load_roombeek(store)
    add_user(store, "bob@vitens.nl", organisation="VITENS", role="editor", password=None)
    area = tmp_path / "vitens-area.geojson"
    gpd.GeoDataFrame(geometry=[AREA], crs=CRS).to_crs("EPSG:4326").to_file(area, driver="GeoJSON")
    runner = CliRunner()
    created = runner.invoke(
        app, ["--db", db, "--as", "bob@vitens.nl", "subscribe", "VITENS", "--area", str(area), "--email", "p@vitens.nl"]
    )
    assert created.exit_code == 0, created.output
    others = runner.invoke(app, ["--db", db, "--as", "bob@vitens.nl", "subscribe", "ENEXIS", "--area", str(area)])
    assert others.exit_code == 5 and "may not create subscriptions" in others.stderr  # only its own organisation
    _add_and_change_works(store)
    store.close()
    env = {"KOPPELKANS_SMTP_HOST": "127.0.0.1", "KOPPELKANS_SMTP_PORT": str(mailbox.port)}
    sent = runner.invoke(app, ["--db", db, "notify", "--json"], env=env)
    assert sent.exit_code == 0, sent.output
    [result] = json.loads(sent.stdout)
    assert [w["id"] for w in result["digest"]["new_works"]] == ["VITENS:W9"]
    assert len(mailbox.messages) == 1
    missing = runner.invoke(app, ["--db", db, "subscribe", "VITENS", "--area", str(tmp_path / "x.gpkg"), "--json"])
    assert missing.exit_code == 2 and json.loads(missing.stdout)["error"]["field"] == "area"


def test_subscription_endpoints(api: ApiServer) -> None:
    lon_lat = gpd.GeoSeries([AREA], crs=CRS).to_crs("EPSG:4326").iloc[0]
    body = {"organisation": "VITENS", "area": shapely.geometry.mapping(lon_lat), "email": "p@vitens.nl"}
    created = api.client.post("/api/subscriptions", json=body)
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert "secret" not in subscription and shapely.from_wkt(subscription["area_wkt"]).equals_exact(AREA, 0.01)
    assert subscription["language"] == "nl"
    german = api.client.post("/api/subscriptions", json={**body, "language": "de"})
    assert german.status_code == 422 and german.json()["error"]["field"] == "language"
    bad = api.client.post("/api/subscriptions", json={**body, "area": {"type": "Point", "coordinates": [6.9, 52.2]}})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "area"
    assert [s["id"] for s in api.client.get("/api/subscriptions").json()] == [subscription["id"]]
    for email, organisation, role, sees in (
        ("v@enexis.nl", "ENEXIS", "viewer", False),
        ("e@vitens.nl", "VITENS", "editor", True),
    ):
        add_user(api.store, email, organisation=organisation, role=role, password=None)
        token = {"Authorization": f"Bearer {create_token(api.store, email).secret}"}
        [listed] = httpx.get(f"{api.url}/api/subscriptions", headers=token).json()
        assert listed["organisation"] == "VITENS" and (listed["email"] == "p@vitens.nl") is sees, (role, listed)
        assert ("p@vitens.nl" in httpx.get(f"{api.url}/web/api/subscriptions", headers=token).text) is sees
    assert api.client.get(f"/api/subscriptions/{subscription['id']}/deliveries").json() == []
    assert api.client.delete(f"/api/subscriptions/{subscription['id']}").status_code == 204
    assert api.client.delete(f"/api/subscriptions/{subscription['id']}").status_code == 404
    history = api.client.get(f"/api/subscriptions/{subscription['id']}/history").json()["entries"]
    assert [(e["operation"], e["actor"]) for e in history] == [("insert", ADMIN), ("delete", ADMIN)]


# -- an area uploaded as a file ---------------------------------------------------------------------
WEST, EAST = shapely.box(257_350, 472_450, 257_600, 472_550), shapely.box(257_600, 472_450, 257_850, 472_550)
"""Two halves of AREA: a file holding both must give AREA itself (its polygons are unioned)."""


def _area_files(folder: Path) -> dict[str, bytes]:
    """The area as each accepted format: GeoJSON in lon/lat, GeoPackage in RD, a zipped Shapefile in RD."""
    halves = gpd.GeoDataFrame({"name": ["west", "east"]}, geometry=[WEST, EAST], crs=CRS)
    halves.to_crs("EPSG:4326").to_file(folder / "area.geojson", driver="GeoJSON")
    halves.to_file(folder / "area.gpkg", driver="GPKG", layer="netgebied")
    (folder / "shp").mkdir()
    halves.to_file(folder / "shp" / "netgebied.shp")
    with zipfile.ZipFile(folder / "area.zip", "w") as archive:
        for part in sorted((folder / "shp").iterdir()):
            archive.write(part, f"netgebied/{part.name}")
    return {name: (folder / name).read_bytes() for name in ("area.geojson", "area.gpkg", "area.zip")}


def _upload(client: httpx.Client, content: bytes, filename: str = "area.geojson", **form: str) -> httpx.Response:
    data = {"organisation": "VITENS", "email": "p@vitens.nl", **form}
    return client.post("/api/subscriptions/upload", data=data, files={"area": (filename, content)})


def test_an_area_uploaded_as_geojson_geopackage_or_zipped_shapefile(api: ApiServer, tmp_path: Path) -> None:
    for name, content in _area_files(tmp_path).items():
        created = _upload(api.client, content, filename=name)
        assert created.status_code == 201, (name, created.text)
        area = shapely.from_wkt(created.json()["area_wkt"])
        assert area.geom_type == "Polygon" and area.symmetric_difference(AREA).area < 0.01, (name, area.wkt)
    assert len(api.store.read_subscriptions()) == 3


def test_an_uploaded_file_name_is_never_a_path(api: ApiServer, tmp_path: Path) -> None:
    geojson = _area_files(tmp_path)["area.geojson"]
    target = Path(tempfile.gettempdir()) / f"koppelkans-traversal-{tmp_path.name}.geojson"
    for name in ("../../etc/passwd", f"../../../../..{target}", "..\\..\\windows\\win.ini", "/etc/passwd"):
        created = _upload(api.client, geojson, filename=name)
        assert created.status_code == 201, (name, created.text)  # the content is an area; the name is ignored
    assert not target.exists()
    assert Path("/etc/passwd").read_bytes() != geojson


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_unsafe_or_wrong_uploads_are_refused_naming_the_area_and_nothing_is_stored(
    api: ApiServer, tmp_path: Path
) -> None:
    files = _area_files(tmp_path)
    parts = {p.name: p.read_bytes() for p in (tmp_path / "shp").iterdir()}
    points = gpd.GeoDataFrame(geometry=[shapely.Point(257_400, 472_500)], crs=CRS)
    points.to_file(tmp_path / "points.geojson", driver="GeoJSON")
    gpd.GeoDataFrame(geometry=[AREA]).to_file(tmp_path / "no-crs.geojson", driver="GeoJSON")
    vrt = b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource></OGRVRTLayer>'
    refused = {
        "traversal in the zip": _zip({f"../../{name}": data for name, data in parts.items()}),
        "absolute path in the zip": _zip({f"/tmp/{name}": data for name, data in parts.items()}),
        "a GDAL .vrt in the zip": _zip({**parts, "x.vrt": vrt + b"</OGRVRTDataSource>"}),
        "two shapefiles": _zip({**parts, **{f"b/{n}": d for n, d in parts.items()}}),
        "a damaged zip": files["area.zip"][:200],
        "a PNG": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        "a CSV": b"id,geometry\n1,POLYGON ((0 0, 1 0, 1 1, 0 0))\n",
        "an empty file": b"",
        "broken JSON": b'{"type": "FeatureCollection", "features": [',
        "points": (tmp_path / "points.geojson").read_bytes(),
        "RD coordinates read as lon/lat": (tmp_path / "no-crs.geojson").read_bytes(),
        "a Shapefile without CRS": _zip({n: d for n, d in parts.items() if not n.endswith(".prj")}),
        "a damaged GeoPackage": files["area.gpkg"][:4096],
    }
    for case, content in refused.items():
        answer = _upload(api.client, content, filename="area.zip")
        assert answer.status_code == 422, (case, answer.status_code, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "validation_failed" and error["field"] == "area", (case, error)
        assert str(tmp_path) not in answer.text and "koppelkans-area-" not in answer.text, case
    not_a_file = api.client.post("/api/subscriptions/upload", data={"organisation": "VITENS", "area": "x"})
    assert not_a_file.status_code == 422 and not_a_file.json()["error"]["field"] == "area"
    assert api.store.read_subscriptions() == []


def test_an_upload_may_exceed_the_usual_body_limit_up_to_its_own(
    api: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    geojson = _area_files(tmp_path)["area.geojson"]
    padded = geojson + b" " * (3 * 2**20)  # larger than any other request may be (2 MiB)
    assert _upload(api.client, padded).status_code == 201
    monkeypatch.setenv("KOPPELKANS_UPLOAD_MAX_MB", "1")
    with running_server(store_url(api.store)) as url, httpx.Client(base_url=url, headers=api.headers) as client:
        too_large = _upload(client, geojson + b" " * 2**20)
        assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "payload_too_large"
        assert _upload(client, geojson).status_code == 201
    assert len(api.store.read_subscriptions()) == 2


def test_subscribe_command_reads_a_zipped_shapefile(tmp_path: Path) -> None:
    db = str(tmp_path / "subscribe.gpkg")
    store = open_store(db)
    store.initialise()
    load_roombeek(store, until="organisations")
    store.close()
    _area_files(tmp_path)
    runner = CliRunner()
    command = ["--db", db, "subscribe", "VITENS", "--email", "p@vitens.nl", "--json", "--area"]
    made = runner.invoke(app, [*command, str(tmp_path / "area.zip")])
    assert made.exit_code == 0, made.output
    assert shapely.from_wkt(json.loads(made.stdout)["area_wkt"]).symmetric_difference(AREA).area < 0.01
    (tmp_path / "evil.zip").write_bytes(_zip({"../evil.shp": b"x"}))
    evil = runner.invoke(app, [*command, str(tmp_path / "evil.zip")])
    assert evil.exit_code == 2 and json.loads(evil.stdout)["error"]["field"] == "area"
    assert not (tmp_path.parent / "evil.shp").exists()


# -- the digest's language and what it may tell ------------------------------------------------------
def test_a_digest_is_dutch_unless_the_subscription_asks_for_english(store: SqlRepository, mailbox: Mailbox) -> None:
    load_roombeek(store)
    subscribe(store, "VITENS", AREA, email="nl@vitens.nl")
    subscribe(store, "VITENS", AREA, email="en@vitens.nl", language="en")
    with pytest.raises(InputError) as unknown:
        subscribe(store, "VITENS", AREA, email="de@vitens.nl", language="de")
    assert unknown.value.field == "language" and len(store.read_subscriptions()) == 2
    _add_and_change_works(store)
    find_couplings(store, CouplingOptions(year_from=2026, year_to=2035))
    sent = notify(store, settings=Settings(smtp_host="127.0.0.1", smtp_port=mailbox.port))
    mails = {recipients[0]: mail for recipients, mail in mailbox.messages}
    dutch, english = (mails[a].get_payload(decode=True).decode() for a in ("nl@vitens.nl", "en@vitens.nl"))
    assert mails["en@vitens.nl"]["Subject"].startswith("Koppelkans VITENS: 1 new work, 1 changed window, ")
    assert mails["nl@vitens.nl"]["Subject"].startswith("Koppelkans VITENS: 1 nieuw werk, 1 gewijzigd startvenster, ")
    assert "Nieuwe werken (1):" in dutch and "New works (1):" in english and "Changed start windows (1):" in english
    couplings = store.read_findings("couplings").set_index("id")
    digests = {d.language: d for d, _ in sent}
    [first, *_] = digests["nl"].new_couplings
    assert first["explanation"] == couplings.loc[first["id"], "explanation_nl"] != ""
    assert digests["en"].new_couplings[0]["explanation"] == couplings.loc[first["id"], "explanation_en"]
    assert f"{first['id']}  {couplings.loc[first['id'], 'explanation_nl']}".split("  ")[0] in dutch
    assert (
        couplings.loc[first["id"], "explanation_nl"] in dutch
        and couplings.loc[first["id"], "explanation_en"] in english
    )


CONFIDENTIAL_CABLE = {
    "id": "ENEXIS:MS9",
    "organisation": "ENEXIS",
    "discipline": "electricity_mv",
    "install_year": 1955,
    "condition": 5,
    "condition_year": 2024,
    "confidential": True,
    "geometry": "LINESTRING (257606 472500, 257606 472700)",
}


def test_a_digest_never_tells_of_a_coupling_with_an_asset_its_organisation_may_not_see(
    store: SqlRepository, mailbox: Mailbox
) -> None:
    load_roombeek(store)
    import_records(store, "assets", pd.DataFrame([CONFIDENTIAL_CABLE]), source_crs="EPSG:28992")
    vitens = subscribe(store, "VITENS", AREA, email="planning@vitens.nl")
    enexis = subscribe(store, "ENEXIS", AREA, email="planning@enexis.nl")
    find_couplings(store, CouplingOptions(year_from=2026, year_to=2036))
    with_cable = {
        str(row["id"])
        for _, row in store.read_findings("couplings").iterrows()
        if "ENEXIS:MS9" in {m["id"] for m in members_from_text(row["members"])}
    }
    assert with_cable  # the worn-out cable couples with the Roomweg works
    sent = notify(store, settings=Settings(smtp_host="127.0.0.1", smtp_port=mailbox.port))
    told = {d.subscription_id: {f["id"] for f in d.new_couplings} for d, _ in sent}
    assert with_cable <= told[enexis["id"]] and not with_cable & told[vitens["id"]]
    mails = {recipients[0]: mail.get_payload(decode=True).decode() for recipients, mail in mailbox.messages}
    assert "ENEXIS:MS9" not in mails["planning@vitens.nl"]


# -- escalations ------------------------------------------------------------------------------------
def _coupling_of(store: SqlRepository, *organisations: str) -> str:
    find_couplings(store, CouplingOptions(year_from=2026, year_to=2035))
    for coupling_id in store.read_findings("couplings")["id"]:
        if coupling_members(store, coupling_id) == list(organisations):
            return str(coupling_id)
    raise AssertionError(f"no coupling between {organisations}")


def test_an_escalation_mails_the_coordinators_and_posts_an_event_to_subscribers_once(
    store: SqlRepository, mailbox: Mailbox, receiver: Receiver
) -> None:
    load_roombeek(store)
    for email, organisation, role in (
        ("anna@enschede.nl", "GM0153", "coordinator"),
        ("bert@enschede.nl", "GM0153", "coordinator"),
        ("carla@enschede.nl", "GM0153", "editor"),
    ):
        add_user(store, email, organisation=organisation, role=role, password=None)
    near = subscribe(store, "VITENS", AREA, webhook_url=receiver.url, secret=SECRET)
    far = shapely.box(250_000, 470_000, 250_100, 470_100)
    subscribe(store, "GLASVEZEL", far, webhook_url=receiver.url + "?far", secret=SECRET)
    coupling = _coupling_of(store, "GM0153-RIO", "GM0153-WEG")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    propose_coupling(store, coupling, now=start)
    respond_to_coupling(store, coupling, "GM0153-RIO", "accept", now=start + timedelta(days=3))
    settings = Settings(smtp_host="127.0.0.1", smtp_port=mailbox.port, webhook_backoff_s=0.01)

    assert escalate_overdue(store, settings=settings, now=start + timedelta(days=10)) == []
    assert mailbox.messages == [] and receiver.requests == []
    [escalated] = escalate_overdue(store, settings=settings, now=start + timedelta(days=16))
    assert escalated.coupling_id == coupling
    assert sorted(r[0] for r, _ in mailbox.messages) == ["anna@enschede.nl", "bert@enschede.nl"]
    mail = mailbox.messages[0][1]
    assert mail["Subject"] == f"Koppelkans: {coupling} is geëscaleerd"
    text = mail.get_payload(decode=True).decode()
    assert "Nog geen antwoord van: GM0153-WEG" in text and escalated.deadline in text
    assert [r["verified"] for r in receiver.requests] == [True, True]  # the first answered 500, then retried
    body = receiver.requests[1]["body"]
    assert body["event"] == "escalation" and body["coupling"] == coupling and body["subscription"] == near["id"]
    assert body["waiting_for"] == ["GM0153-WEG"] and body["status"] == "under_review"
    [announced] = [e for e in store.read_coupling_events(coupling_id=coupling) if e["event"] == "escalation_announced"]
    assert announced["detail"]["complete"] is True
    assert [(d["channel"], d["ok"]) for d in announced["detail"]["deliveries"]] == [
        ("email", True),
        ("email", True),
        ("webhook", False),
        ("webhook", True),
    ]

    assert escalate_overdue(store, settings=settings, now=start + timedelta(days=20)) == []
    assert len(mailbox.messages) == 2 and len(receiver.requests) == 2  # escalating again sends nothing twice

    # the late answer starts the realise step (45 days); when that is overdue too, it is told again
    respond_to_coupling(store, coupling, "GM0153-WEG", "accept", now=start + timedelta(days=21))
    assert escalate_overdue(store, settings=settings, now=start + timedelta(days=60)) == []
    [realise_late] = escalate_overdue(store, settings=settings, now=start + timedelta(days=67))
    assert realise_late.status.value == "accepted"
    assert len(mailbox.messages) == 4 and receiver.requests[-1]["body"]["status"] == "accepted"


def test_an_escalation_not_delivered_is_told_again_to_whom_it_did_not_reach(
    store: SqlRepository, mailbox: Mailbox
) -> None:
    load_roombeek(store)
    add_user(store, "anna@enschede.nl", organisation="GM0153", role="coordinator", password=None)
    coupling = _coupling_of(store, "GM0153-RIO", "GM0153-WEG")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    propose_coupling(store, coupling, now=start)
    down = Settings(smtp_host="127.0.0.1", smtp_port=_free_port())
    escalate_overdue(store, settings=down, now=start + timedelta(days=16))
    add_user(store, "bert@enschede.nl", organisation="GM0153", role="coordinator", password=None)
    escalate_overdue(
        store, settings=Settings(smtp_host="127.0.0.1", smtp_port=mailbox.port), now=start + timedelta(days=17)
    )
    assert sorted(r[0] for r, _ in mailbox.messages) == ["anna@enschede.nl", "bert@enschede.nl"]
    escalate_overdue(
        store, settings=Settings(smtp_host="127.0.0.1", smtp_port=mailbox.port), now=start + timedelta(days=18)
    )
    assert len(mailbox.messages) == 2
    events = [e for e in store.read_coupling_events(coupling_id=coupling) if e["event"] == "escalation_announced"]
    assert [e["detail"]["complete"] for e in events] == [False, True]


# -- the schema ---------------------------------------------------------------------------------------
def test_subscriptions_made_before_the_language_column_keep_dutch(new_store: SqlRepository) -> None:
    from alembic import command

    with new_store.engine.begin() as conn:
        command.upgrade(new_store._alembic_config(conn), "0008")
        conn.exec_driver_sql("ALTER TABLE subscriptions DROP COLUMN language")  # as 0007 made it before 0009
        old = {"id": "SUB-old", "organisation": "VITENS", "email": "p@vitens.nl", "told_findings": "[]"}
        row = pd.DataFrame([{**old, "created_at": "2026-01-01", "last_notified_at": "2026-01-01"}])
        new_store._bulk_insert(conn, "subscriptions", row, np.array([AREA], dtype=object))
    new_store.initialise()
    assert new_store.revision() == "0009"
    [kept] = subscriptions_of(new_store)
    assert kept.id == "SUB-old" and kept.language == "nl" and kept.area.equals(AREA)
