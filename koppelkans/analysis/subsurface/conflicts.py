"""`subsurface_misfit`: a planned new network that does not fit under the streets it is planned in (PRODUCT.md B3).

A work that constructs a network of the claim's discipline is fitted with that claim on every
segment it opens; where it fits only if something moves, or not at all, that is a conflict naming
the work and what blocks it. Returned both as conflict rows in the coupling engine's shape and as
`Conflict` findings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.coupling import explain
from koppelkans.analysis.coupling.street import stable_id
from koppelkans.analysis.subsurface.claims import Claim
from koppelkans.analysis.subsurface.engine import fits_from_register
from koppelkans.domain.findings import Conflict, RecordRef
from koppelkans.domain.vocabulary import ConflictKind

__all__ = ["CLAIMING_WORK_KINDS", "misfit_conflict_rows", "misfit_conflicts"]

CLAIMING_WORK_KINDS = frozenset({"construct"})
"""Work kinds that lay a new network and so claim room that is not yet theirs."""
_COLUMNS = ["id", "kind", "members", "segment_ids", "years", "first_year", "explanation_nl", "explanation_en"]


def misfit_conflict_rows(
    interventions: pd.DataFrame,
    members: pd.DataFrame,
    segments: pd.DataFrame,
    assets: pd.DataFrame,
    links: pd.DataFrame,
    claim: Claim,
) -> pd.DataFrame:
    """One conflict row per claiming work that does not fit (as is) on one or more of its segments.

    `interventions` and `members` are the coupling engine's (key, type, id, discipline, kind,
    preferred …; key, segment_id); the rows have the engine's conflict columns plus geometry
    (the misfit pieces, EPSG:28992).
    """
    works = interventions[
        (interventions["type"] == "work")
        & (interventions["discipline"] == claim.discipline)
        & interventions["kind"].isin(CLAIMING_WORK_KINDS)
    ]
    on = members[members["key"].isin(works["key"])]
    if on.empty:
        return _empty()
    wanted = segments[segments["id"].isin(on["segment_id"])]
    fit = fits_from_register(wanted, assets, links, claim)
    misfit = fit.segments[fit.segments["verdict"] != "fits"].set_index("segment_id")
    hits = on[on["segment_id"].isin(misfit.index)]
    if hits.empty:
        return _empty()
    names = segments.set_index("id")["name"] if "name" in segments else pd.Series(dtype=object)
    pieces = fit.pieces
    table = works.set_index("key")
    rows = []
    for key, group in hits.groupby("key", sort=True):  # one row per conflicting work: few
        segment_ids = tuple(sorted(group["segment_id"]))
        found = misfit.loc[list(segment_ids)]
        blocking = sorted({b for ids in found["blocking"] for b in ids})
        work = table.loc[key]
        year = int(work["preferred"])
        streets = explain.streets([names.get(s) for s in segment_ids])
        moved_m = float((found["misfit_m"] - found["unfixable_m"]).sum())
        unfit_m = float(found["unfixable_m"].sum())
        cost = float(found["move_cost_eur"].sum())
        what_nl = explain.what(claim.discipline, language="nl")
        what_en = explain.what(claim.discipline, language="en")
        nl = f"{what_nl} {work['id']} ({year}) past niet zonder meer in de ondergrond van {streets}"
        en = f"{what_en} {work['id']} ({year}) does not simply fit under {streets}"
        if moved_m:
            nl += f"; over {moved_m:.0f} m alleen als {len(blocking)} objecten verleggen ({explain.euros(cost)})"
            en += f"; over {moved_m:.0f} m only if {len(blocking)} objects move ({explain.euros(cost)})"
        if unfit_m:
            nl += f"; over {unfit_m:.0f} m past het helemaal niet"
            en += f"; over {unfit_m:.0f} m it does not fit at all"
        rows.append(
            {
                "id": stable_id("SM", (key, claim.kind)),
                "kind": ConflictKind.SUBSURFACE_MISFIT.value,
                "members": tuple(sorted([("work", str(work["id"])), *(("asset", b) for b in blocking)])),
                "segment_ids": segment_ids,
                "years": (year,),
                "first_year": year,
                "explanation_nl": explain.sentence(nl),
                "explanation_en": explain.sentence(en),
                "geometry": shapely.union_all(pieces.geometry[pieces["segment_id"].isin(segment_ids)].to_numpy()),
            }
        )
    return pd.DataFrame(rows, columns=[*_COLUMNS, "geometry"])


def misfit_conflicts(
    interventions: pd.DataFrame,
    members: pd.DataFrame,
    segments: pd.DataFrame,
    assets: pd.DataFrame,
    links: pd.DataFrame,
    claim: Claim,
) -> list[Conflict]:
    """The same conflicts as typed `Conflict` findings (for the Python API)."""
    rows = misfit_conflict_rows(interventions, members, segments, assets, links, claim)
    return [
        Conflict(
            id=row.id,
            kind=ConflictKind.SUBSURFACE_MISFIT,
            members=tuple(RecordRef(kind=f"{t}s", id=i) for t, i in row.members),
            segment_ids=row.segment_ids,
            year=row.first_year,
            explanation=row.explanation_nl,
            geometry=row.geometry,
        )
        for row in rows.itertuples(index=False)
    ]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: np.array([], dtype=object) for c in [*_COLUMNS, "geometry"]})
