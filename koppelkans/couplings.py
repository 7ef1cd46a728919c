"""Use case: find the couplings and conflicts in a store, keep them, and hand them out as JSON,
GeoJSON or Excel (the shapes the CLI and the API return)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from koppelkans.analysis.coupling import CouplingOptions, Findings, findings_from_snapshot
from koppelkans.config import MAP_CRS
from koppelkans.domain.findings import members_as_json, members_as_text
from koppelkans.errors import InputError
from koppelkans.register import snapshot_of
from koppelkans.store import SYSTEM_ACTOR, Repository

__all__ = ["find_couplings", "findings_as_json", "write_findings"]


def find_couplings(
    store: Repository,
    options: CouplingOptions,
    *,
    keep: bool = True,
    engine: str = "single",
    scheduler: str | None = None,
    actor: str = SYSTEM_ACTOR,
) -> Findings:
    """Run the coupling engine on the whole register; with `keep`, store the findings (replacing the last).

    `engine="dask"` runs it per spatial partition on a Dask cluster (`scheduler`, or a LocalCluster),
    each worker reading its own assets from the store; the findings are the same.
    """
    if engine == "dask":
        from koppelkans.scale import dask_client, findings_from_store_on_dask

        with dask_client(scheduler) as client:
            findings = findings_from_store_on_dask(store, options, client=client)
    else:
        findings = findings_from_snapshot(snapshot_of(store), options)
    if keep:
        with store.transaction(actor=actor) as tx:
            tx.replace_findings("couplings", _stored(findings.couplings))
            tx.replace_findings("conflicts", _stored(findings.conflicts))
    return findings


def _stored(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Findings as table rows: members as JSON, segments ';'-joined, years ';'-joined."""
    stored = frame.copy()
    stored["members"] = [members_as_text(m) for m in frame["members"]]
    stored["segment_ids"] = [";".join(s) for s in frame["segment_ids"]]
    if "years" in frame:
        stored["years"] = [";".join(str(y) for y in years) for years in frame["years"]]
    return stored


def findings_as_json(findings: Findings, *, language: str = "nl") -> dict[str, Any]:
    """The JSON contract of `koppelkans couplings --json` (and of the API)."""
    other = "en" if language == "nl" else "nl"
    couplings = [
        {
            "id": c.id,
            "kind": c.kind,
            "members": members_as_json(c.members),
            "segments": list(c.segment_ids),
            "window": [int(c.window_start), int(c.window_end)],
            "saving_eur": float(c.saving_eur),
            "openings_avoided": int(c.openings_avoided),
            "nuisance_days_avoided": float(c.nuisance_days_avoided),
            "explanation": getattr(c, f"explanation_{language}"),
            f"explanation_{other}": getattr(c, f"explanation_{other}"),
        }
        for c in findings.couplings.itertuples(index=False)
    ]
    conflicts = [
        {
            "id": c.id,
            "type": c.kind,
            "members": members_as_json(c.members),
            "segments": list(c.segment_ids),
            "years": [int(y) for y in c.years],
            "explanation": getattr(c, f"explanation_{language}"),
            f"explanation_{other}": getattr(c, f"explanation_{other}"),
        }
        for c in findings.conflicts.itertuples(index=False)
    ]
    return {"couplings": couplings, "conflicts": conflicts, "totals": findings.totals()}


def write_findings(findings: Findings, path: str | Path) -> None:
    """Couplings and conflicts to GeoJSON (one FeatureCollection, WGS 84) or Excel (two sheets)."""
    path = Path(path)
    couplings = _stored(findings.couplings).assign(finding="coupling")
    conflicts = _stored(findings.conflicts).assign(finding="conflict")
    if path.suffix.lower() in (".geojson", ".json"):
        both = pd.concat([couplings, conflicts], ignore_index=True)
        both = gpd.GeoDataFrame(both, geometry="geometry", crs=findings.couplings.crs).to_crs(MAP_CRS)
        path.write_text(both.to_json(drop_id=True, to_wgs84=False))
    elif path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path) as excel:
            couplings.drop(columns="geometry").to_excel(excel, sheet_name="couplings", index=False)
            conflicts.drop(columns="geometry").to_excel(excel, sheet_name="conflicts", index=False)
    else:
        raise InputError(f"{path.name}: write couplings to .geojson or .xlsx")
