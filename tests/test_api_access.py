"""Identity and access over HTTP on a real server, on both back-ends: the permission matrix of every role
against every mutating endpoint (enumerated from the app's OpenAPI document, so a new endpoint cannot be
forgotten), confidential assets never in a response for whom may not see them, and the attacks a public
server meets (injection, traversal, oversized bodies, stale tokens, missing CSRF, password guessing),
each refused in the one error shape with nothing changed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import mapbox_vector_tile
import pandas as pd
import pytest
from typer.testing import CliRunner

from koppelkans.cli.main import app as cli
from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.identity import add_user, create_token, revoke_token
from koppelkans.register import import_records
from koppelkans.store import SqlRepository

from .api_server import admin_headers, running_server, store_url
from .register_helpers import load_roombeek

ROOMBEEK_TILE = "14/8505/5394"
PASSWORD = "twente-2026!"
ROLES = ("anonymous", "viewer", "editor_other", "editor_own", "coordinator", "admin")
USERS = {
    "viewer": ("viewer@enschede.nl", "GM0153", "viewer"),
    "editor_other": ("editor@vitens.nl", "VITENS", "editor"),
    "editor_own": ("editor@enexis.nl", "ENEXIS", "editor"),
    "coordinator": ("coordinator@enschede.nl", "GM0153", "coordinator"),
}
CONFIDENTIAL = {
    "id": "ENEXIS:MS9",
    "organisation": "ENEXIS",
    "discipline": "electricity_mv",
    "asset_type": "ms-kabel-geheim",
    "material": "kabel-vertrouwelijk",
    "install_year": 1955,
    "condition": 5,
    "condition_year": 2024,
    "confidential": True,
    "klic_reference": "26O0099999",
    "bronhoudercode": "KL9999",
    "geometry": "LINESTRING (257606 472500, 257606 472700)",
}
SECRETS = ("ENEXIS:MS9", "ms-kabel-geheim", "kabel-vertrouwelijk", "26O0099999", "KL9999")
"""What must never reach someone who may not see the confidential cable in detail."""


@dataclass
class Served:
    url: str
    store: SqlRepository
    headers: dict[str, dict[str, str]]
    """Per role, the headers its requests carry (an API token; none for anonymous)."""

    def client(self, role: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers[role], timeout=60)


def _own_record(store: SqlRepository, kind: str, template_id: str, new_id: str, **changes: object) -> None:
    """Store a copy of a fixture record under a new id (e.g. a work of ENEXIS, which the fixture lacks)."""
    record = store.read(kind, ids=[template_id])
    raw = pd.DataFrame(record.drop(columns="attributes")).assign(**{kind_spec(kind).key: new_id, **changes})
    import_records(store, kind, raw, source_crs="EPSG:28992")


@pytest.fixture
def served(store: SqlRepository) -> Iterator[Served]:
    load_roombeek(store)
    import_records(store, "assets", pd.DataFrame([CONFIDENTIAL]), source_crs="EPSG:28992")
    _own_record(store, "works", "GLASVEZEL:W4", "ENEXIS:W9", organisation="ENEXIS", discipline="gas")
    _own_record(store, "tasks", "GM0153:T1", "ENEXIS:T9", organisation="ENEXIS")
    headers: dict[str, dict[str, str]] = {"anonymous": {}, "admin": admin_headers(store)}
    for role, (email, organisation, kind) in USERS.items():
        add_user(store, email, organisation=organisation, role=kind, password=PASSWORD)
        headers[role] = {"Authorization": f"Bearer {create_token(store, email).secret}"}
    with running_server(store_url(store)) as url:
        yield Served(url=url, store=store, headers=headers)


def register_state(store: SqlRepository) -> str:
    """Everything a change could touch, as text, to assert that a refused request changed nothing."""
    state = {kind: store.read(kind).drop(columns="attributes").to_json() for kind in KINDS}
    state["attributes"] = json.dumps([list(store.read(kind)["attributes"]) for kind in KINDS], sort_keys=True)
    state["links"] = store.links().to_json()
    state["findings"] = json.dumps({t: len(store.read_findings(t)) for t in ("due_years", "couplings", "conflicts")})
    state["plans"] = json.dumps(list(store.plans()["scenario"]))
    return json.dumps(state, sort_keys=True)


def assert_error_shape(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "record", "field"}
    return error


# -- the permission matrix -------------------------------------------------------------------------
OWN_DATA = {"assets": "ENEXIS:G1", "works": "ENEXIS:W9", "tasks": "ENEXIS:T9"}
TARGETS = {**OWN_DATA, "organisations": "ENEXIS", "areas": "BU01530312", "segments": "S3"}
EDITORS_OWN = {"editor_own", "coordinator", "admin"}
COORDINATORS = {"coordinator", "admin"}


def allowed_roles(method: str, path: str) -> set[str]:
    """Who may call a mutating endpoint (on a record of ENEXIS, the editor_own's organisation)."""
    kind = path.split("/")[2]
    if kind in OWN_DATA or kind == "subscriptions" or path.endswith("/workflow/responses"):
        return EDITORS_OWN  # records, answers and watched areas of the editor's own organisation
    if kind == "organisations" and method in ("PUT", "PATCH"):
        return EDITORS_OWN  # an editor keeps its own organisation's record
    if kind in ("organisations", "areas", "segments", "couplings", "forecast", "plans"):
        return COORDINATORS
    raise AssertionError(f"no permission rule in this test for {method} {path}: add the new endpoint")


def request_for(served: Served, method: str, path: str, role: str) -> tuple[str, dict[str, object]]:
    """The URL and httpx arguments of a request that succeeds when allowed (or, for a change to an existing
    record, fails only on its stale If-Match: 412 proves the permission check passed without changing anything)."""
    kind = path.split("/")[2]
    if "{coupling_id}" in path:  # a coupling nobody found: allowed gets as far as 404, nothing changes
        url = path.replace("{coupling_id}", "MK-none")
        if url.endswith("/responses"):
            return url, {"json": {"organisation": "ENEXIS", "answer": "accept"}}
        return url, {"json": {"shares": {"ENEXIS": 100}}} if url.endswith("/cost-split") else {}
    if path == "/api/couplings/escalate":
        return path, {}
    if kind == "subscriptions":
        area = {"type": "Polygon", "coordinates": [[[6.89, 52.21], [6.9, 52.21], [6.9, 52.22], [6.89, 52.21]]]}
        body = {"organisation": "ENEXIS", "area": area, "email": "net@enexis.nl"}
        if path.endswith("/upload"):
            geojson = json.dumps({"type": "Feature", "properties": {}, "geometry": area}).encode()
            form = {k: v for k, v in body.items() if k != "area"}
            return path, {"data": form, "files": {"area": ("../../etc/passwd", geojson)}}
        if method == "POST":
            return path, {"json": body}
        with served.client("admin") as admin:
            watched = admin.post("/api/subscriptions", json=body).json()["id"]
        return path.replace("{subscription_id}", watched), {}
    if kind == "couplings":
        return "/api/couplings", {"json": {"year_from": 2026, "year_to": 2030}}
    if kind == "forecast":
        return "/api/forecast?year_from=2026&year_to=2030", {}
    if kind == "plans":
        return "/api/plans", {"json": {"scenario": "integrated", "year_from": 2027, "year_to": 2029, "time_limit": 5}}
    target = TARGETS[kind]
    with served.client("admin") as admin:
        record = admin.get(f"/api/{kind}/{target}", params={"crs": "EPSG:28992"}).json()
    key = kind_spec(kind).key
    if method == "POST":
        new_id = f"ENEXIS:{role}" if kind in OWN_DATA else f"{kind[:3].upper()}-{role}"
        record[key] = new_id
        if kind == "areas":
            record["parent_code"] = "GM0153"
        return f"/api/{kind}?crs=EPSG:28992", {"json": record}
    url = f"/api/{kind}/{target}?crs=EPSG:28992"
    stale = {"If-Match": '"stale"'}
    if method == "DELETE":
        return url, {"headers": stale}
    if method == "PATCH":
        return url, {"json": {"attributes": {"note": "x"}}, "headers": stale}
    return url, {"json": record, "headers": stale}


def expected_when_allowed(method: str, path: str) -> int:
    """Created; or the stale If-Match refused after the permission check; or the analysis run (a plan: started)."""
    if path in ("/api/couplings", "/api/forecast", "/api/couplings/escalate"):
        return 200
    if "{coupling_id}" in path:
        return 404
    if path == "/api/subscriptions/{subscription_id}":
        return 204
    if path == "/api/plans":
        return 202
    return 201 if method == "POST" else 412


def mutating_operations(served: Served) -> list[tuple[str, str]]:
    spec = httpx.get(f"{served.url}/openapi.json").json()
    operations = [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    ]
    return sorted(operations, key=lambda op: (op[1] == "/api/plans", op))  # the background plan job last


def test_every_role_against_every_mutating_endpoint(served: Served) -> None:
    operations = mutating_operations(served)
    # 6 resources × create/replace/patch/delete, 3 analyses, 5 coupling workflow steps, subscribe (an area drawn
    # or uploaded) and unsubscribe
    assert len(operations) == 6 * 4 + 3 + 5 + 3, operations
    outcomes: dict[tuple[str, str, str], int] = {}
    for method, path in operations:
        allowed = allowed_roles(method, path)
        for role in ROLES:
            url, arguments = request_for(served, method, path, role)
            before = register_state(served.store)
            with served.client(role) as client:
                response = client.request(method, url, **arguments)  # type: ignore[arg-type]
            outcomes[(method, path, role)] = response.status_code
            if role == "anonymous":
                assert_error_shape(response, 401)
            elif role not in allowed:
                assert assert_error_shape(response, 403)["code"] == "forbidden"
            else:
                expected = expected_when_allowed(method, path)
                assert response.status_code == expected, (method, path, role, response.status_code, response.text[:300])
                continue
            assert register_state(served.store) == before, (method, path, role)
    assert outcomes[("POST", "/api/plans", "coordinator")] == 202


def test_a_read_only_token_may_read_but_not_change(served: Served) -> None:
    token = create_token(served.store, "editor@enexis.nl", scope="read")
    headers = {"Authorization": f"Bearer {token.secret}"}
    with httpx.Client(base_url=served.url, headers=headers) as client:
        assert client.get("/api/works").status_code == 200
        before = register_state(served.store)
        refused = client.patch("/api/works/ENEXIS:W9", json={"title": "x"}, headers={"If-Match": "*"})
        assert "read-only token" in str(assert_error_shape(refused, 403)["message"])
    assert register_state(served.store) == before


def test_a_change_made_through_the_api_names_its_user(served: Served) -> None:
    with served.client("editor_own") as client:
        work = client.get("/api/works/ENEXIS:W9")
        changed = client.patch(
            "/api/works/ENEXIS:W9", json={"title": "Gasleiding"}, headers={"If-Match": work.headers["ETag"]}
        )
    assert changed.status_code == 200, changed.text
    assert served.store.read("works", ids=["ENEXIS:W9"])["title"].iloc[0] == "Gasleiding"


# -- confidentiality --------------------------------------------------------------------------------
def _responses(served: Served, role: str) -> dict[str, bytes]:
    with served.client(role) as client:
        paths = [
            "/api/assets?limit=500",
            "/api/assets/ENEXIS:MS9",
            "/api/assets?organisation=ENEXIS",
            "/ogc/collections/assets/items?limit=1000",
            "/ogc/collections/assets/items/ENEXIS:MS9",
            f"/tiles/assets/{ROOMBEEK_TILE}.pbf",
            "/api/couplings?year_from=2026&year_to=2036",
            "/api/conflicts?year_from=2026&year_to=2036",
            "/web/api/couplings?limit=500",
            "/web/api/conflicts?limit=500",
            "/api/brief?work=GM0153-RIO:W1&format=json",
            "/api/brief?work=GM0153-RIO:W1&format=md",
            "/api/anatomy/BU01530312",
            "/api/forecast?year_from=2026&year_to=2036",
            "/web/api/timeline",
        ]
        return {path: client.get(path).content for path in paths}


@pytest.mark.parametrize("role", ["viewer", "editor_other"])
def test_confidential_attributes_never_reach_who_may_not_see_them(served: Served, role: str, tmp_path: Path) -> None:
    for path, body in {**_responses(served, role), **_responses(served, role)}.items():  # twice: the tile cache
        for secret in SECRETS:
            assert secret.encode() not in body, (role, path, secret)
    tile = mapbox_vector_tile.decode(_responses(served, role)[f"/tiles/assets/{ROOMBEEK_TILE}.pbf"])
    zones = [f for f in tile["assets"]["features"] if str(f["properties"].get("id", "")).startswith("zone:")]
    assert len(zones) == 1 and set(zones[0]["properties"]) == {"id"}
    item = json.loads(_responses(served, role)["/api/assets/ENEXIS:MS9"])
    assert item["attributes"] == {"occupied_zone": True} and item["geometry"]["type"] == "LineString"
    for kind, name in (("assets", "assets.geojson"), ("all", "register.gpkg")):
        out = tmp_path / f"{role}-{name}"
        email = USERS[role][0]
        result = CliRunner().invoke(cli, ["--db", store_url(served.store), "--as", email, "export", kind, str(out)])
        assert result.exit_code == 0, result.stderr
        data = out.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, (kind, secret)


@pytest.mark.parametrize("role", ["editor_own", "coordinator", "admin"])
def test_the_owner_and_coordinators_see_confidential_assets_in_detail(served: Served, role: str) -> None:
    responses = _responses(served, role)
    assert b"26O0099999" in responses["/api/assets/ENEXIS:MS9"]
    assert b"26O0099999" in responses["/ogc/collections/assets/items?limit=1000"]
    tile = mapbox_vector_tile.decode(responses[f"/tiles/assets/{ROOMBEEK_TILE}.pbf"])
    cable = [f for f in tile["assets"]["features"] if f["properties"].get("id") == "ENEXIS:MS9"]
    assert cable and cable[0]["properties"]["material"] == "kabel-vertrouwelijk"
    # the worn-out cable couples with the Roomweg works: its coupling is shown to those who may see it
    assert b"ENEXIS:MS9" in responses["/api/couplings?year_from=2026&year_to=2036"]
    # and the brief of the Roomweg work names it among the due assets around it (others' briefs do not)
    assert b"ENEXIS:MS9" in responses["/api/brief?work=GM0153-RIO:W1&format=json"]


@pytest.mark.parametrize("role", ["viewer", "editor_other", "editor_own", "coordinator"])
def test_filtering_by_a_hidden_value_neither_finds_nor_counts_an_occupied_zone(served: Served, role: str) -> None:
    enexis = served.store.read("assets", where={"organisation": "ENEXIS"})
    cables = served.store.read("assets", where={"discipline": "electricity_mv"})
    assert "ENEXIS:MS9" in set(enexis["id"]) and len(enexis) > 1 and "ENEXIS:MS9" in set(cables["id"])
    sees_it = role in ("editor_own", "coordinator")
    with served.client(role) as client:
        everything = client.get("/api/assets", params={"limit": 500}).json()
        by_organisation = client.get("/api/assets", params={"organisation": "ENEXIS", "limit": 500}).json()
        by_discipline = client.get("/api/assets", params={"discipline": "electricity_mv", "limit": 500}).json()
        in_area = client.get("/api/assets", params={"organisation": "ENEXIS", "area": "GM0153", "limit": 500}).json()
        second_page = client.get("/api/assets", params={"organisation": "ENEXIS", "limit": 1, "offset": 1}).json()
    # a zone is where something lies: listing by place shows and counts it, as an occupied zone for others
    assert everything["total"] == len(served.store.read("assets")) == len(everything["items"])
    zones = [a for a in everything["items"] if a["attributes"] == {"occupied_zone": True}]
    assert len(zones) == (0 if sees_it else 1)
    # but a filter on a value the zone hides finds it only for who sees that value
    expected = len(enexis) - (0 if sees_it else 1)
    assert by_organisation["total"] == len(by_organisation["items"]) == expected
    assert all(a["organisation"] == "ENEXIS" for a in by_organisation["items"])
    assert ("ENEXIS:MS9" in {a["id"] for a in by_organisation["items"]}) is sees_it
    assert by_discipline["total"] == len(by_discipline["items"]) == len(cables) - (0 if sees_it else 1)
    assert all(a["discipline"] == "electricity_mv" for a in by_discipline["items"])
    assert in_area["total"] == len(in_area["items"]) <= expected
    assert all(a["organisation"] == "ENEXIS" for a in in_area["items"])
    assert second_page["total"] == expected and len(second_page["items"]) == min(1, expected - 1)


def test_anonymous_access_is_refused_except_the_api_description_and_login(served: Served) -> None:
    with served.client("anonymous") as client:
        for path in ("/api/works", "/ogc/collections", f"/tiles/works/{ROOMBEEK_TILE}.pbf", "/web/api/works"):
            assert assert_error_shape(client.get(path), 401)["code"] == "unauthenticated"
        page = client.get("/works")
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/works"
        for path in ("/openapi.json", "/docs", "/login", "/static/js/common.js"):
            assert client.get(path).status_code == 200, path


def test_the_public_view_shows_works_without_confidential_layers(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOPPELKANS_PUBLIC_WORKS", "true")
    with running_server(store_url(served.store)) as url, httpx.Client(base_url=url) as client:
        assert client.get("/api/works").json()["total"] == 7
        assert client.get("/ogc/collections/works/items").status_code == 200
        assert client.get(f"/tiles/works/{ROOMBEEK_TILE}.pbf").status_code == 200
        for path in ("/api/assets", "/ogc/collections/assets/items", f"/tiles/assets/{ROOMBEEK_TILE}.pbf"):
            assert_error_shape(client.get(path), 401)
        before = register_state(served.store)
        assert_error_shape(client.delete("/api/works/ENEXIS:W9", headers={"If-Match": "*"}), 401)
        assert register_state(served.store) == before


# -- attacks ----------------------------------------------------------------------------------------
ATTACKS = ("' OR '1'='1", "1; DROP TABLE works; --", "../../../../etc/passwd", "..%2F..%2Fkoppelkans.gpkg")


def test_injection_and_traversal_in_every_filter_and_path_change_nothing(served: Served) -> None:
    spec = httpx.get(f"{served.url}/openapi.json").json()
    before = register_state(served.store)
    tried = 0
    with served.client("admin") as client:
        for path, item in spec["paths"].items():
            operation = item.get("get")
            if operation is None:
                continue
            parameters = operation.get("parameters", [])
            for attack in ATTACKS:
                filled = re.sub(r"\{[^}]+\}", attack.replace("/", "%2F").replace("\\", "\\\\"), path)
                for parameter in [p for p in parameters if p["in"] == "query"] or [None]:
                    params = {parameter["name"]: attack} if parameter else {}
                    response = client.get(filled, params=params)
                    tried += 1
                    assert response.status_code < 500, (filled, params, response.text[:300])
                    if response.status_code >= 400 and response.headers["content-type"].startswith("application/json"):
                        assert_error_shape(response, response.status_code)
                    elif response.status_code == 200 and parameter is not None and "items" in response.text[:20]:
                        # a filter given an attack string matches nothing (it is a value, never SQL);
                        # bbox-crs only says how to read bbox, and is not read without one
                        assert response.json().get("total", 0) == 0 or parameter["name"] in ("bbox-crs",)
                    assert b"root:" not in response.content
        for attack in ("/static/../../koppelkans/config.py", "/static/%2e%2e/%2e%2e/koppelkans/config.py"):
            response = client.get(attack)
            assert response.status_code == 404 and b"BaseSettings" not in response.content
    assert tried > 100
    assert register_state(served.store) == before


def test_an_oversized_body_is_refused_with_413(served: Served) -> None:
    before = register_state(served.store)
    body = {"id": "ENEXIS:W99", "organisation": "ENEXIS", "title": "x" * (3 * 1024 * 1024)}
    with served.client("admin") as client:
        assert_error_shape(client.post("/api/works", json=body), 413)
    assert register_state(served.store) == before


def test_expired_and_revoked_tokens_are_refused_with_401(served: Served) -> None:
    expired = create_token(served.store, "editor@enexis.nl", expires_days=1, now=datetime.now(UTC) - timedelta(days=2))
    revoked = create_token(served.store, "editor@enexis.nl")
    revoke_token(served.store, revoked.id)
    before = register_state(served.store)
    for token, word in ((expired, "expired"), (revoked, "revoked"), (None, "unknown")):
        secret = token.secret if token else "kk_made-up"
        with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {secret}"}) as client:
            for response in (
                client.get("/api/works"),
                client.delete("/api/works/ENEXIS:W9", headers={"If-Match": "*"}),
            ):
                error = assert_error_shape(response, 401)
                assert word in str(error["message"]) and response.headers["www-authenticate"].startswith("Bearer")
    assert register_state(served.store) == before


def _login(client: httpx.Client, email: str, password: str, **form: str) -> httpx.Response:
    """Post the login form as a browser does: the form's CSRF token with its cookie."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    cookie = page.cookies.get("kk_login_csrf") or _set_cookie(page, "kk_login_csrf")
    data = {"email": email, "password": password, "csrf_token": token, "next": "/works", **form}
    return client.post("/login", data=data, headers={"Cookie": f"kk_login_csrf={cookie}", "Accept": "application/json"})


def _set_cookie(response: httpx.Response, name: str) -> str:
    """A cookie's value from Set-Cookie (httpx keeps Secure cookies away from http://, as browsers elsewhere do)."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            attributes = [a.strip().lower() for a in header.split(";")]
            assert {"httponly", "samesite=lax", "secure", "path=/"} <= set(attributes), header
            return header.split(";")[0].split("=", 1)[1]
    raise AssertionError(f"no {name} cookie set")


def test_web_login_sets_a_secure_session_and_cookie_requests_need_the_csrf_token(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        answer = _login(client, "editor@enexis.nl", PASSWORD)
        assert answer.status_code == 303 and answer.headers["location"] == "/works"
        session = _set_cookie(answer, "kk_session")
        cookie = {"Cookie": f"kk_session={session}"}
        page = client.get("/works", headers=cookie)
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        work = client.get("/api/works/ENEXIS:W9", headers=cookie)
        change = {"json": {"title": "Gas"}}
        before = register_state(served.store)
        missing = client.patch("/api/works/ENEXIS:W9", headers={**cookie, "If-Match": work.headers["ETag"]}, **change)
        assert "x-csrf-token" in str(assert_error_shape(missing, 403)["message"])
        wrong = client.patch(
            "/api/works/ENEXIS:W9", headers={**cookie, "If-Match": work.headers["ETag"], "X-CSRF-Token": "x"}, **change
        )
        assert_error_shape(wrong, 403)
        assert register_state(served.store) == before
        right = client.patch(
            "/api/works/ENEXIS:W9", headers={**cookie, "If-Match": work.headers["ETag"], "X-CSRF-Token": csrf}, **change
        )
        assert right.status_code == 200, right.text
        assert client.post("/logout", data={"csrf_token": csrf}, headers=cookie).status_code == 303
        assert_error_shape(client.get("/api/works", headers=cookie), 401)


def test_a_login_form_without_its_csrf_token_is_refused(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        answer = client.post(
            "/login", data={"email": "editor@enexis.nl", "password": PASSWORD}, headers={"Accept": "application/json"}
        )
        assert_error_shape(answer, 403)
        assert "set-cookie" not in answer.headers or "kk_session" not in answer.headers["set-cookie"]


def test_password_guessing_is_throttled_with_429(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        for _ in range(5):
            assert_error_shape(_login(client, "editor@enexis.nl", "guess"), 401)
        blocked = _login(client, "editor@enexis.nl", PASSWORD)
        assert assert_error_shape(blocked, 429)["code"] == "too_many_attempts"
        assert "kk_session" not in blocked.headers.get("set-cookie", "")
        assert _login(client, "viewer@enschede.nl", PASSWORD).status_code == 303  # another e-mail is not blocked
