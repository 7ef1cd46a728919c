"""KLIC import speed and memory: a generated IMKL 2.0 delivery of N MB, measured at three sizes.

Each measurement runs in a fresh process that imports everything first; its peak resident set size
is then reset (Linux `/proc/self/clear_refs`), so the peak reported is that of the reading alone,
measured above the resident size just before it (`above_baseline_mb`). Readers, on the same file:

- `stream`: our lxml iterparse pass over every feature, records discarded: the reading itself.
- `parse`: `iter_assets_from_imkl`, the full mapping onto asset records, chunk by chunk (what
  `koppelkans import imkl` does before validation); each chunk is dropped once counted.
- `import`: the whole `koppelkans import imkl` into a fresh GeoPackage store (parse, validate, link
  to segments, set aside, store in one transaction).
- `dom`: the alternative most KLIC scripts use, `xml.etree.ElementTree.parse` of the whole file,
  then a walk over the features: memory grows with the document.

The streaming readers must not grow with the file: `growth` is the extra peak memory per extra MB
of file between the smallest and the largest delivery.
"""

from __future__ import annotations

import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["measure_in_fresh_process", "measure_reader", "run_imkl_benchmark", "write_delivery"]

_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:imkl="http://www.geostandaarden.nl/imkl/wibon" \
xmlns:net="http://inspire.ec.europa.eu/schemas/net/4.0" xmlns:base="http://inspire.ec.europa.eu/schemas/base/3.3" \
xmlns:us-net-common="http://inspire.ec.europa.eu/schemas/us-net-common/4.0" \
xmlns:us-net-el="http://inspire.ec.europa.eu/schemas/us-net-el/4.0" gml:id="ID_bench">
  <gml:featureMember>
    <imkl:GebiedsinformatieAanvraag gml:id="nl.imkl-KA0000._GebiedsinformatieAanvraag_24O0099999">
      <imkl:klicMeldnummer>24O0099999</imkl:klicMeldnummer>
    </imkl:GebiedsinformatieAanvraag>
  </gml:featureMember>
"""

_NETWORK = """  <gml:featureMember>
    <imkl:Utiliteitsnet gml:id="nl.imkl-{code}.net_{theme}">
      <us-net-common:utilityNetworkType xlink:href="http://inspire.ec.europa.eu/codelist/UtilityNetworkTypeValue/{kind}"/>
      <imkl:beginLifespanVersion>2001-12-17T09:30:47+01:00</imkl:beginLifespanVersion>
      <imkl:thema xlink:href="http://definities.geostandaarden.nl/imkl2015/id/waarde/Thema/{theme}"/>
      <imkl:standaardDieptelegging uom="urn:ogc:def:uom:OGC::m">{depth}</imkl:standaardDieptelegging>
    </imkl:Utiliteitsnet>
  </gml:featureMember>
"""

_CABLE = """  <gml:featureMember>
    <imkl:{cls} gml:id="nl.imkl-{code}.{cls}_{i}">
      <net:beginLifespanVersion>2011-05-24T13:44:02.00+02:00</net:beginLifespanVersion>
      <net:inspireId><base:Identifier><base:localId>{code}.{cls}_{i}</base:localId>\
<base:namespace>nl.imkl</base:namespace></base:Identifier></net:inspireId>
      <net:inNetwork xlink:href="nl.imkl-{code}.net_{theme}"/>
      <net:link xlink:href="nl.imkl-{code}.{cls}_{i}_ulink"/>
      <us-net-common:currentStatus xlink:href="http://inspire.ec.europa.eu/codelist/ConditionOfFacilityValue/functional"/>
      <us-net-common:validFrom>{valid_from}</us-net-common:validFrom>
      <us-net-common:verticalPosition>underground</us-net-common:verticalPosition>
      <us-net-common:warningType xsi:nil="true"/>
      {extra}
    </imkl:{cls}>
  </gml:featureMember>
  <gml:featureMember>
    <us-net-common:UtilityLink gml:id="nl.imkl-{code}.{cls}_{i}_ulink">
      <net:beginLifespanVersion>2011-05-24T13:44:02.00+02:00</net:beginLifespanVersion>
      <net:inNetwork xlink:href="nl.imkl-{code}.net_{theme}"/>
      <net:centrelineGeometry>
        <gml:LineString gml:id="nl.imkl-{code}.{cls}_{i}_geo" srsName="{srs}" srsDimension="2">
          <gml:posList>{coords}</gml:posList>
        </gml:LineString>
      </net:centrelineGeometry>
      <net:fictitious>false</net:fictitious>
    </us-net-common:UtilityLink>
  </gml:featureMember>
"""

_NETWORKS = (
    ("KL1031", "laagspanning", "electricity", "0.60", "Elektriciteitskabel"),
    ("KL1031", "middenspanning", "electricity", "0.80", "Elektriciteitskabel"),
    ("KL1031", "gasLageDruk", "oilGasChemicals", "1.00", "OlieGasChemicalienPijpleiding"),
    ("KL1050", "water", "water", "1.00", "Waterleiding"),
    ("KL3131", "datatransport", "telecommunications", "0.60", "Telecommunicatiekabel"),
)
_EXTRA = {
    "Elektriciteitskabel": '<us-net-el:nominalVoltage uom="urn:ogc:def:uom:OGC::V">400</us-net-el:nominalVoltage>',
    "OlieGasChemicalienPijpleiding": '<us-net-common:pipeDiameter uom="urn:ogc:def:uom:OGC::mm">110'
    "</us-net-common:pipeDiameter>"
    '<imkl:buismateriaalType xlink:href="http://definities.geostandaarden.nl/imkl2015/id/waarde/'
    'PipeMaterialTypeIMKLValue/PE"/>',
    "Waterleiding": '<us-net-common:pipeDiameter uom="urn:ogc:def:uom:OGC::cm">20</us-net-common:pipeDiameter>'
    '<imkl:buismateriaalType xlink:href="http://definities.geostandaarden.nl/imkl2015/id/waarde/'
    'PipeMaterialTypeIMKLValue/castIron"/>',
    "Telecommunicatiekabel": '<imkl:kabelDiameter uom="urn:ogc:def:uom:OGC::mm">12</imkl:kabelDiameter>',
}


def write_delivery(path: Path, *, mb: float, seed: int = 1) -> int:
    """Write an IMKL 2.0 delivery of about `mb` megabytes near Enschede; returns the number of cables."""
    rng = random.Random(seed)
    target = int(mb * 1_000_000)
    cables = 0
    with path.open("w", encoding="utf-8") as out:
        written = out.write(_HEADER)
        for code, theme, kind, depth, _ in _NETWORKS:
            written += out.write(_NETWORK.format(code=code, theme=theme, kind=kind, depth=depth))
        while written < target:
            chunk = []
            for _ in range(500):
                code, theme, _, _, cls = _NETWORKS[cables % len(_NETWORKS)]
                x, y = 252_000 + rng.random() * 10_000, 468_000 + rng.random() * 10_000
                points = []
                for _ in range(rng.randint(2, 6)):
                    points.append(f"{x:.3f} {y:.3f}")
                    x, y = x + rng.uniform(5, 40), y + rng.uniform(-5, 5)
                year = rng.randint(1950, 2023)
                chunk.append(
                    _CABLE.format(
                        cls=cls,
                        code=code,
                        theme=theme,
                        i=cables,
                        valid_from=f"{year}-01-01T00:00:00+01:00" if cables % 4 else "9999-12-31T00:00:00+01:00",
                        extra=_EXTRA[cls],
                        srs="urn:ogc:def:crs:EPSG::28992" if cables % 2 else "EPSG:28992",
                        coords=" ".join(points),
                    )
                )
                cables += 1
            written += out.write("".join(chunk))
        out.write("</gml:FeatureCollection>\n")
    return cables


def _peak_rss_mb() -> float:
    """This process's peak resident set size in MB since the last `_reset_peak` (or since it started)."""
    status = Path("/proc/self/status")
    if status.exists():
        match = re.search(r"VmHWM:\s+(\d+)", status.read_text())
        if match:
            return int(match.group(1)) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def _rss_mb() -> float:
    """This process's resident set size now, in MB (the peak so far where /proc is missing)."""
    status = Path("/proc/self/status")
    match = re.search(r"VmRSS:\s+(\d+)", status.read_text()) if status.exists() else None
    return int(match.group(1)) / 1024 if match else _peak_rss_mb()


def _reset_peak() -> None:
    """Start a new peak-RSS measurement (Linux ≥ 4.0; elsewhere the peak stays that of the whole process)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def measure_reader(path: str, reader: str, chunk_size: int | None = None) -> dict[str, Any]:
    """Time one reader on a delivery in this process; reports its peak RSS above the resident size before it."""
    import xml.etree.ElementTree as ElementTree

    from koppelkans.io.imkl import CHUNK_SIZE, iter_assets_from_imkl, iter_imkl_features
    from koppelkans.io.mapping import InstallYearPolicy, OrganisationMap

    org_map = OrganisationMap(codes={"KL1031": "ENEXIS", "KL1050": "VITENS", "KL3131": "GLASVEZEL"})
    chunk_size = chunk_size or CHUNK_SIZE
    if reader == "import":
        return _measure_import(path, org_map, chunk_size)
    _reset_peak()
    baseline = _rss_mb()
    started = time.perf_counter()
    if reader == "stream":
        with open(path, "rb") as stream:
            features = sum(1 for _ in iter_imkl_features(stream))
    elif reader == "parse":
        policy = InstallYearPolicy(mode="registration")
        chunks = iter_assets_from_imkl(path, org_map=org_map, install_years=policy, chunk_size=chunk_size)
        features = sum(len(chunk.records) for chunk in chunks)
    else:
        root = ElementTree.parse(path).getroot()
        features = sum(1 for member in root for _ in member)
    seconds = time.perf_counter() - started
    peak = _peak_rss_mb()
    return {
        "reader": reader,
        "seconds": seconds,
        "features": features,
        "peak_rss_mb": peak,
        "above_baseline_mb": peak - baseline,
    }


def _measure_import(path: str, org_map: Any, chunk_size: int) -> dict[str, Any]:
    """The whole `koppelkans import imkl`: parse, validate, link and store into a fresh GeoPackage store."""
    import pandas as pd

    from koppelkans.io.imkl import iter_assets_from_imkl
    from koppelkans.io.mapping import InstallYearPolicy
    from koppelkans.register import import_mapped_chunks, import_records
    from koppelkans.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.gpkg"))
        store.initialise()
        organisations = pd.DataFrame(
            [{"code": code, "name": code, "kind": "grid_operator"} for code in sorted(set(org_map.codes.values()))]
        )
        import_records(store, "organisations", organisations, source_crs=None)
        _reset_peak()
        baseline = _rss_mb()
        started = time.perf_counter()
        policy = InstallYearPolicy(mode="registration")
        chunks = iter_assets_from_imkl(path, org_map=org_map, install_years=policy, chunk_size=chunk_size)
        report = import_mapped_chunks(store, chunks)
        seconds = time.perf_counter() - started
        peak = _peak_rss_mb()
        stored = store.count("assets")
        store.close()
    if stored != report.stored:
        raise RuntimeError(f"the import reported {report.stored} assets but the store holds {stored}")
    return {
        "reader": "import",
        "seconds": seconds,
        "features": report.stored,
        "peak_rss_mb": peak,
        "above_baseline_mb": peak - baseline,
    }


def measure_in_fresh_process(path: Path, reader: str, *, chunk_size: int | None = None) -> dict[str, Any]:
    """Run `measure_reader` in a new interpreter, so that its peak RSS is this reader's alone."""
    code = (
        "import json, sys\n"
        "from koppelkans.benchmarks.imkl import measure_reader\n"
        "print(json.dumps(measure_reader(sys.argv[1], sys.argv[2], int(sys.argv[3]) or None)))\n"
    )
    args = [sys.executable, "-c", code, str(path), reader, str(chunk_size or 0)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {reader} reader failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_imkl_benchmark(
    *,
    mb: float,
    readers: tuple[str, ...] = ("stream", "parse", "import", "dom"),
    sizes: tuple[float, ...] = (0.25, 0.5, 1.0),
) -> dict[str, Any]:
    """Generate deliveries of `sizes` × `mb` megabytes and measure every reader on each."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for fraction in sizes:
            size = mb * fraction
            path = Path(tmp) / f"GI_gebiedsinformatielevering_24O0099999_{size:g}MB.xml"
            cables = write_delivery(path, mb=size)
            actual = path.stat().st_size / 1e6
            for reader in readers:
                result = measure_in_fresh_process(path, reader)
                runs.append({"mb": actual, "cables": cables, **result, "mb_per_second": actual / result["seconds"]})
            path.unlink()
    return {"runs": runs, "growth": _growth(runs)}


def _growth(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Per reader: MB of extra peak memory per extra MB of file between the smallest and the largest delivery."""
    growth = {}
    for reader in dict.fromkeys(r["reader"] for r in runs):
        ordered = sorted((r for r in runs if r["reader"] == reader), key=lambda r: r["mb"])
        small, large = ordered[0], ordered[-1]
        growth[reader] = (large["above_baseline_mb"] - small["above_baseline_mb"]) / (large["mb"] - small["mb"])
    return growth
