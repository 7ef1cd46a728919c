"""Screenshots of the web application on the `--scale 1` Twente demo, and how fast the map first renders.

    .venv/bin/python scripts/screenshots.py --out screenshots            # what `make screenshots` runs
    .venv/bin/python scripts/screenshots.py --out screenshots --runs 5 --no-plan

Builds the demo store once (`koppelkans init`, `demo --scale 1`, `forecast`, `couplings` and, unless
--no-plan, `plan`) in OUT/demo.gpkg and reuses it afterwards; serves it with `koppelkans serve`
(without base map unless --basemap: the machine may be offline); drives Debian's chromium with
Playwright. First render = from navigation start until the map has drawn features of every layer of its
first view (works, areas, area tasks), as MapLibre reports them (`queryRenderedFeatures`); measured with
an empty tile cache (cold) and a filled one (warm). Writes the PNGs and OUT/timings.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1440, "height": 900}
FIRST_VIEW_LAYERS = ["works-line-idea", "works-line-planned", "works-line-firm", "areas-line", "tasks-fill"]
KOPPELKANS = str(Path(sys.executable).with_name("koppelkans"))

FIRST_RENDER = """layers => new Promise(resolve => {
  const check = () => {
    const map = window.koppelkansMap;
    if (map && map.isStyleLoaded() && layers.every(id => map.queryRenderedFeatures({layers: [id]}).length > 0)) {
      resolve(performance.now());
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})"""


def build_store(db: Path, *, plan: bool) -> None:
    """The scale-1 demo with its forecast, findings and (optionally) the integrated plan, as `make demo` builds it."""
    steps = [["init"], ["demo", "--scale", "1"], ["forecast"], ["couplings"]]
    if plan:
        steps.append(["plan", "--time-limit", "60"])
    if db.exists() and _has_demo(db, plan=plan):
        subprocess.run([KOPPELKANS, "--db", str(db), "init"], check=True, capture_output=True)  # migrate if needed
        return
    db.unlink(missing_ok=True)
    for step in steps:
        started = time.perf_counter()
        print(f"koppelkans {' '.join(step)} …", flush=True)
        subprocess.run([KOPPELKANS, "--db", str(db), *step], check=True, stdout=subprocess.DEVNULL)
        print(f"  {time.perf_counter() - started:.1f} s", flush=True)


def _has_demo(db: Path, *, plan: bool) -> bool:
    """Whether the store already holds the demo with what the pages show."""
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"works", "couplings", "due_years"} <= tables:
            return False
        counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("works", "couplings", "due_years")]
        has_plan = "plans" in tables and conn.execute("SELECT count(*) FROM plans").fetchone()[0] > 0
    return all(counts) and (has_plan or not plan)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(db: Path, *, basemap: bool) -> Iterator[str]:
    """`koppelkans serve` on the store in a child process until the block ends; yields the base URL."""
    port = _free_port()
    env = dict(os.environ)
    if not basemap:
        env["KOPPELKANS_BASEMAP_URL"] = ""
    server = subprocess.Popen(
        [KOPPELKANS, "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: {server.stderr.read().decode()}") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def empty_tile_cache(db: Path) -> None:
    """Commit a no-op change from another connection: the server's tile cache sees the file changed and empties."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE gpkg_contents SET last_change = last_change WHERE table_name = 'works'")


def first_render(page: Page, url: str) -> float:
    """Milliseconds from navigation start until the map shows features of every first-view layer."""
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.koppelkansMap !== undefined", polling=10, timeout=60_000)
    return float(page.evaluate(FIRST_RENDER, FIRST_VIEW_LAYERS))


def idle(page: Page) -> None:
    page.evaluate(
        """() => new Promise(resolve => {
            const map = window.koppelkansMap; map.once('idle', resolve); map.triggerRepaint();
        })"""
    )


def measure(browser: object, url: str, db: Path, runs: int) -> dict[str, list[float]]:
    """First render of the map page, `runs` times with an empty tile cache and `runs` times with a filled one."""
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    for mode in ("cold", "warm"):
        for _ in range(runs):
            if mode == "cold":
                empty_tile_cache(db)
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
            page = context.new_page()
            timings[mode].append(round(first_render(page, f"{url}/"), 0))
            context.close()
    return timings


def screenshots(browser: object, url: str, out: Path) -> list[Path]:
    """The pages as a programme manager meets them."""
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")  # type: ignore[attr-defined]
    page = context.new_page()
    shots = []

    def shot(name: str) -> None:
        path = out / f"{name}.png"
        page.screenshot(path=str(path))
        shots.append(path)

    first_render(page, f"{url}/")
    idle(page)
    shot("map")

    # street level in the centre: assets by discipline, due assets with their halo, a work's details
    page.evaluate("() => window.koppelkansMap.jumpTo({center: [6.8937, 52.2215], zoom: 16.2})")
    page.eval_on_selector(
        "#year", "input => { input.value = Number(input.value) + 4; input.dispatchEvent(new Event('input')); }"
    )
    idle(page)
    point = page.evaluate(
        """() => { const map = window.koppelkansMap;
            const ids = ['works-line-firm', 'works-line-planned', 'works-line-idea'];
            const box = [[200, 150], [map.getCanvas().clientWidth - 200, map.getCanvas().clientHeight - 150]];
            const [work] = map.queryRenderedFeatures(box, {layers: ids});
            if (!work) return null;
            const g = work.geometry;
            const coords = g.type === 'LineString' ? g.coordinates : g.coordinates[0];
            const p = map.project(coords[Math.floor(coords.length / 2)]); return [p.x, p.y]; }"""
    )
    if point:
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        page.wait_for_selector("#panel-body .panel-findings", timeout=20_000)
        idle(page)
    shot("map-street")

    first_render(page, f"{url}/couplings")
    page.wait_for_selector("#findings-body tr[data-id]")
    page.select_option("#filter-kind", "meekoppelkans")  # street-level couplings: one trench for several works
    page.wait_for_selector("#findings-body tr[data-id] .badge-meekoppelkans")
    page.locator("#findings-body tr[data-id]").first.get_by_role("button").click()
    page.wait_for_function(
        "() => window.koppelkansMap.queryRenderedFeatures({layers: ['highlight-line', 'highlight-fill']}).length > 0",
        timeout=30_000,
    )
    idle(page)
    shot("couplings")
    page.get_by_role("tab", name="Conflicten").click()
    page.wait_for_selector("#findings-body tr[data-id]")
    page.locator("#findings-body tr[data-id]").first.get_by_role("button").click()
    idle(page)
    shot("conflicts")

    page.goto(f"{url}/timeline")
    page.wait_for_selector(".gantt-row[data-id]", timeout=30_000)
    shot("timeline")
    integrated = page.locator("#scenario-integrated")
    if integrated.is_enabled():
        integrated.check()
        shot("timeline-integrated")

    first_render(page, f"{url}/works")
    page.wait_for_selector("#works-body tr[data-id]")
    page.locator("#works-body tr[data-id]").first.get_by_role("button").click()
    page.wait_for_function("() => document.querySelector('#form-title').textContent.includes(':')")
    idle(page)
    shot("works")
    context.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--db", type=Path, help="store to show (default OUT/demo.gpkg, built when missing)")
    parser.add_argument("--runs", type=int, default=3, help="first-render measurements per mode")
    parser.add_argument("--no-plan", dest="plan", action="store_false", help="do not compute the integrated plan")
    parser.add_argument("--basemap", action="store_true", help="keep the configured base map (needs the internet)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.db or args.out / "demo.gpkg"
    build_store(db, plan=args.plan)
    with serving(db, basemap=args.basemap) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        timings = measure(browser, url, db, args.runs)
        shots = screenshots(browser, url, args.out)
        browser.close()
    load = os.getloadavg()
    report = {
        "first_render_ms": timings,
        "median_ms": {mode: statistics.median(values) for mode, values in timings.items()},
        "viewport": VIEWPORT,
        "load_average": [round(v, 2) for v in load],
        "cpus": os.cpu_count(),
    }
    (args.out / "timings.json").write_text(json.dumps(report, indent=2))
    print(
        f"first map render (navigation → features of every first-view layer) at "
        f"{VIEWPORT['width']}×{VIEWPORT['height']}: "
        f"cold cache median {report['median_ms']['cold']:.0f} ms {timings['cold']}, "
        f"warm median {report['median_ms']['warm']:.0f} ms {timings['warm']} "
        f"(load average {load[0]:.1f} on {os.cpu_count()} cores)"
    )
    for path in shots:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
