"""The `koppelkans demo --report` summary: what the demo holds and whether it looks like a real town.

Counts per kind and discipline, km of network per discipline, age distribution per discipline,
km of sewer per 1,000 inhabitants against §8's reference town, and how many works meet another
party's work in the same street within a few years (the coupling opportunities of B2).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import shapely
from rich.console import Console
from rich.table import Table

from koppelkans.config import figure
from koppelkans.demo.figures import DEMO_YEAR
from koppelkans.domain.records import KINDS
from koppelkans.domain.vocabulary import TRENCHLESS_WORK_KINDS
from koppelkans.store import SqlRepository

__all__ = ["AGE_BINS", "COUPLING_YEARS", "coupling_share", "demo_report", "print_report", "reference_sewer_km_per_1000"]

AGE_BINS = (0, 10, 20, 30, 40, 50, 60, 70, 80, 1_000)
COUPLING_YEARS = 3
"""Two works in the same street whose preferred starts lie this many years apart could be combined."""


def reference_sewer_km_per_1000() -> float:
    """§8's reference town: 139 km of sewer per 30,000 inhabitants, per 1,000 inhabitants."""
    return figure("sewer_km_per_30000_inhabitants") / 30.0


def demo_report(store: SqlRepository) -> dict[str, Any]:
    """The summary of a stored demo as a JSON-able dict."""
    areas = store.read("areas")
    assets = store.read("assets")
    works = store.read("works")
    done = works["status"] == "done"
    history, works = works[done], works[~done]  # the history (K12) is reported apart from the planned works
    inhabitants = int(sum(a.get("inhabitants", 0) for a in areas.loc[areas["level"] == "gemeente", "attributes"]))
    disciplines = _disciplines(assets)
    sewer_km = disciplines.get("sewer", {}).get("km", 0.0)
    return {
        "counts": {kind: store.count(kind) for kind in KINDS},
        "inhabitants": inhabitants,
        "assets": disciplines,
        "works": _works_summary(works),
        "history": {
            "works_done": len(history),
            "years": sorted({int(d[:4]) for d in history["actual_start"].dropna()}),
        },
        "sewer_km_per_1000_inhabitants": round(1000.0 * sewer_km / inhabitants, 2) if inhabitants else None,
        "reference_sewer_km_per_1000_inhabitants": round(reference_sewer_km_per_1000(), 2),
        "coupling": coupling_share(works, store.links("works")),
    }


def _disciplines(assets: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per discipline: count, km (line assets), points, age distribution, inspected share, main materials."""
    if assets.empty:
        return {}
    geoms = assets.geometry.to_numpy()
    is_line = np.isin(shapely.get_type_id(geoms), [1, 5])
    frame = pd.DataFrame(
        {
            "discipline": assets["discipline"].to_numpy(),
            "km": np.where(is_line, shapely.length(geoms), 0.0) / 1000.0,
            "point": ~is_line,
            "age": DEMO_YEAR - assets["install_year"].to_numpy(dtype=float),
            "inspected": assets["condition"].notna().to_numpy(),
            "material": assets["material"].fillna("?").to_numpy(),
        }
    )
    result: dict[str, dict[str, Any]] = {}
    for discipline, group in frame.groupby("discipline", sort=True):
        ages = group["age"].to_numpy()
        histogram = np.histogram(ages, bins=AGE_BINS)[0] / len(ages)
        labels = [f"{lo}-{hi}" if hi < 1_000 else f"{lo}+" for lo, hi in pairwise(AGE_BINS)]
        result[str(discipline)] = {
            "count": len(group),
            "km": round(float(group["km"].sum()), 1),
            "points": int(group["point"].sum()),
            "age_mean": round(float(ages.mean()), 1),
            "age_p10": float(np.percentile(ages, 10)),
            "age_median": float(np.median(ages)),
            "age_p90": float(np.percentile(ages, 90)),
            "age_shares": {label: round(float(share), 3) for label, share in zip(labels, histogram)},
            "inspected_share": round(float(group["inspected"].mean()), 3),
            "materials": {str(k): int(v) for k, v in group["material"].value_counts().head(4).items()},
        }
    return result


def _works_summary(works: pd.DataFrame) -> dict[str, Any]:
    if works.empty:
        return {"count": 0}
    return {
        "count": len(works),
        "by_discipline": {str(k): int(v) for k, v in works["discipline"].value_counts().sort_index().items()},
        "by_organisation": {str(k): int(v) for k, v in works["organisation"].value_counts().sort_index().items()},
        "by_kind": {str(k): int(v) for k, v in works["kind"].value_counts().sort_index().items()},
        "by_preferred_year": {int(k): int(v) for k, v in works["preferred_start"].value_counts().sort_index().items()},
        "cost_eur": round(float(works["cost_eur"].sum()), -3),
    }


def coupling_share(works: pd.DataFrame, links: pd.DataFrame, *, years: int = COUPLING_YEARS) -> dict[str, Any]:
    """How many works that open the street meet another party's work (another discipline) on a shared segment
    within `years` of each other.

    `share` counts works with at least one such partner (a long work almost always has one);
    `segment_share` counts (work, segment) pairs, i.e. how much of the opened street could be shared.
    Also counts the segments opened more than once within five years (the repeated openings of B3).
    """
    opening = works[~works["kind"].isin([k.value for k in TRENCHLESS_WORK_KINDS])]
    if opening.empty or links.empty:
        return {"opening_works": len(opening), "with_partner": 0, "share": 0.0, "segment_share": 0.0, "years": years}
    linked = links[["record_id", "segment_id"]].merge(
        opening[["id", "organisation", "discipline", "preferred_start"]], left_on="record_id", right_on="id"
    )
    pairs = linked.merge(linked, on="segment_id", suffixes=("", "_other"))
    pairs = pairs[
        (pairs["discipline"] != pairs["discipline_other"])
        & (pairs["organisation"] != pairs["organisation_other"])
        & ((pairs["preferred_start"] - pairs["preferred_start_other"]).abs() <= years)
    ]
    partnered = pairs["record_id"].nunique()
    shared_links = len(pairs[["record_id", "segment_id"]].drop_duplicates())
    per_segment = linked.sort_values("preferred_start").groupby("segment_id")["preferred_start"]
    spans = per_segment.agg(lambda s: bool((np.diff(s.to_numpy()) <= 5).any()) if len(s) > 1 else False)
    return {
        "opening_works": len(opening),
        "with_partner": int(partnered),
        "share": round(partnered / len(opening), 3),
        "segment_share": round(shared_links / len(linked), 3) if len(linked) else 0.0,
        "years": years,
        "segments_opened": int(linked["segment_id"].nunique()),
        "segments_opened_twice_within_5_years": int(spans.sum()),
    }


def print_report(report: dict[str, Any], *, console: Console | None = None) -> None:
    """The report as rich tables: assets per discipline, then works, then the town-level figures."""
    console = console or Console()
    table = Table(title="Assets per discipline")
    for column in ("discipline", "count", "km", "points", "mean age", "p10-p90", "inspected", "main materials"):
        table.add_column(column, justify="right" if column not in ("discipline", "main materials") else "left")
    for discipline, row in report["assets"].items():
        table.add_row(
            discipline,
            f"{row['count']:,}",
            f"{row['km']:,.1f}",
            f"{row['points']:,}",
            f"{row['age_mean']:.0f}",
            f"{row['age_p10']:.0f}-{row['age_p90']:.0f}",
            f"{row['inspected_share']:.0%}",
            ", ".join(list(row["materials"])[:3]),
        )
    console.print(table)
    works = report["works"]
    if works.get("count"):
        plan = Table(title=f"Works planned {DEMO_YEAR + 1}-{DEMO_YEAR + 12}")
        plan.add_column("discipline")
        plan.add_column("works", justify="right")
        for discipline, count in works["by_discipline"].items():
            plan.add_row(discipline, f"{count:,}")
        console.print(plan)
    coupling = report["coupling"]
    console.print(
        f"records: {', '.join(f'{k} {v:,}' for k, v in report['counts'].items())}\n"
        f"inhabitants: {report['inhabitants']:,}; sewer {report['sewer_km_per_1000_inhabitants']} km per 1,000 "
        f"inhabitants (reference town {report['reference_sewer_km_per_1000_inhabitants']})\n"
        f"works that open the street with a partner of another discipline within {coupling['years']} years on the "
        f"same segment: {coupling['with_partner']:,} of {coupling['opening_works']:,} ({coupling['share']:.0%})"
    )
