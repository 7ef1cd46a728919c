"""KLIC import speed and memory: a generated IMKL 2.0 delivery of N MB, parsed at two sizes.

Each measurement runs in a fresh process (peak RSS from `resource.getrusage` is a per-process
high-water mark): the process imports everything first (its baseline), then reads the delivery.
Three readers, on the same file:

- `stream`: our lxml iterparse pass over every feature, records discarded: the reading itself;
  its memory must stay flat as the file grows.
- `parse`: `assets_from_imkl`, the full mapping onto asset records (what `koppelkans import imkl`
  does before validation): memory grows with the records kept (a few hundred bytes per cable),
  not with the document.
- `import`: the whole `koppelkans import imkl` into a fresh GeoPackage store (parse, validate,
  link to segments, store): for the end-to-end time; its memory is the register's, not the reader's.
- `dom`: the alternative most KLIC scripts use, `xml.etree.ElementTree.parse` of the whole file,
  then a walk over the features: memory grows with the document.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["measure_reader", "run_imkl_benchmark", "write_delivery"]

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
    """This process's peak resident set size in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def measure_reader(path: str, reader: str) -> dict[str, Any]:
    """Time one reader on a delivery in this process; reports its peak RSS above the baseline."""
    import xml.etree.ElementTree as ElementTree

    from koppelkans.io.imkl import assets_from_imkl, iter_imkl_features
    from koppelkans.io.mapping import InstallYearPolicy, OrganisationMap

    org_map = OrganisationMap(codes={"KL1031": "ENEXIS", "KL1050": "VITENS", "KL3131": "GLASVEZEL"})
    if reader == "import":
        return _measure_import(path, org_map)
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    if reader == "stream":
        with open(path, "rb") as stream:
            features = sum(1 for _ in iter_imkl_features(stream))
    elif reader == "parse":
        mapped = assets_from_imkl(path, org_map=org_map, install_years=InstallYearPolicy(mode="registration"))
        features = len(mapped.records)
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


def _measure_import(path: str, org_map: Any) -> dict[str, Any]:
    """The whole `koppelkans import imkl`: parse, validate, link and store into a fresh GeoPackage store."""
    import pandas as pd

    from koppelkans.io.imkl import assets_from_imkl
    from koppelkans.io.mapping import InstallYearPolicy, import_mapped
    from koppelkans.register import import_records
    from koppelkans.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.gpkg"))
        store.initialise()
        organisations = pd.DataFrame(
            [{"code": code, "name": code, "kind": "grid_operator"} for code in sorted(set(org_map.codes.values()))]
        )
        import_records(store, "organisations", organisations, source_crs=None)
        baseline = _peak_rss_mb()
        started = time.perf_counter()
        mapped = assets_from_imkl(path, org_map=org_map, install_years=InstallYearPolicy(mode="registration"))
        report = import_mapped(store, mapped)
        seconds = time.perf_counter() - started
        store.close()
    peak = _peak_rss_mb()
    return {
        "reader": "import",
        "seconds": seconds,
        "features": report.stored,
        "peak_rss_mb": peak,
        "above_baseline_mb": peak - baseline,
    }


def _in_fresh_process(path: Path, reader: str) -> dict[str, Any]:
    """Run `measure_reader` in a new interpreter, so that its peak RSS is this reader's alone."""
    code = (
        "import json, sys\n"
        "from koppelkans.benchmarks.imkl import measure_reader\n"
        "print(json.dumps(measure_reader(sys.argv[1], sys.argv[2])))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path), reader], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {reader} reader failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_imkl_benchmark(*, mb: float, readers: tuple[str, ...] = ("stream", "parse", "dom")) -> dict[str, Any]:
    """Generate deliveries of mb/4 and mb megabytes and measure every reader on both."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (mb / 4, mb):
            path = Path(tmp) / f"GI_gebiedsinformatielevering_24O0099999_{size:g}MB.xml"
            cables = write_delivery(path, mb=size)
            actual = path.stat().st_size / 1e6
            for reader in readers:
                result = _in_fresh_process(path, reader)
                runs.append({"mb": actual, "cables": cables, **result, "mb_per_second": actual / result["seconds"]})
            path.unlink()
    return {"runs": runs, "growth": _growth(runs)}


def _growth(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Per reader: MB of extra peak memory per extra MB of file between the two sizes."""
    growth = {}
    for reader in {r["reader"] for r in runs}:
        small, large = sorted((r for r in runs if r["reader"] == reader), key=lambda r: r["mb"])
        growth[reader] = (large["above_baseline_mb"] - small["above_baseline_mb"]) / (large["mb"] - small["mb"])
    return growth
