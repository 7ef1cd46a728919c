"""The coupling engine: from a register snapshot to couplings and conflicts, each explained.

Steps: due assets → interventions (works + due assets) → which segments each opens → trench groups
(meekoppelkans), scope matches with area tasks (koppelkans), neighbourhood groups (afstemming) →
conflicts → stable ids, explanations, geometry. Deterministic: same register, same findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.coupling import explain
from koppelkans.analysis.coupling.alignment import alignment_groups
from koppelkans.analysis.coupling.conflicts import capital_destruction, district_overload, opening_conflicts
from koppelkans.analysis.coupling.due import due_assets
from koppelkans.analysis.coupling.interventions import interventions_from
from koppelkans.analysis.coupling.scope import scope_matches
from koppelkans.analysis.coupling.street import main_area, memberships_from, stable_id
from koppelkans.analysis.coupling.trench import trench_groups
from koppelkans.config import CRS, figure
from koppelkans.domain.snapshot import RegisterSnapshot

__all__ = ["CONFLICT_COLUMNS", "COUPLING_COLUMNS", "CouplingOptions", "Findings", "findings_from_snapshot"]

COUPLING_COLUMNS = [
    "id",
    "kind",
    "members",
    "segment_ids",
    "window_start",
    "window_end",
    "saving_eur",
    "openings_avoided",
    "nuisance_days_avoided",
    "explanation_nl",
    "explanation_en",
]
CONFLICT_COLUMNS = ["id", "kind", "members", "segment_ids", "years", "explanation_nl", "explanation_en"]
_KIND_ORDER = {"meekoppelkans": 0, "koppelkans": 1, "afstemming": 2}
_CONFLICT_ORDER = {
    "capital_destruction": 0,
    "dig_free_violation": 1,
    "repeated_opening": 2,
    "district_overload": 3,
    "subsurface_misfit": 4,
}


@dataclass(frozen=True, kw_only=True)
class CouplingOptions:
    """What to look for: the years, the flexibility, the thresholds and an optional area."""

    year_from: int
    year_to: int
    flex_years: float = field(default_factory=lambda: figure("coupling_flex_years"))
    reopen_years: float = field(default_factory=lambda: figure("repeated_opening_years"))
    max_simultaneous: float = field(default_factory=lambda: figure("district_max_simultaneous_works"))
    area: str | None = None
    subsurface_claims: tuple[str, ...] = ()
    """Claim kinds (K10: heat, lv, …) whose planned construct works are fitted underground (subsurface_misfit)."""


@dataclass(frozen=True, kw_only=True)
class Findings:
    """Couplings and conflicts as GeoDataFrames (EPSG:28992), sorted and with stable ids."""

    couplings: gpd.GeoDataFrame
    conflicts: gpd.GeoDataFrame

    def totals(self) -> dict[str, object]:
        """Counts per kind and the summed savings (for reports and the closing of a run)."""
        return {
            "couplings": self.couplings["kind"].value_counts().sort_index().to_dict(),
            "conflicts": self.conflicts["kind"].value_counts().sort_index().to_dict(),
            "saving_eur": float(self.couplings["saving_eur"].sum()),
            "openings_avoided": int(self.couplings["openings_avoided"].sum()),
            "nuisance_days_avoided": float(self.couplings["nuisance_days_avoided"].sum()),
        }


def findings_from_snapshot(snapshot: RegisterSnapshot, options: CouplingOptions) -> Findings:
    """Every koppelkans, meekoppelkans, afstemming and conflict in the snapshot's horizon."""
    due = due_assets(
        snapshot.assets, year_from=options.year_from, year_to=options.year_to, due_years=snapshot.due_years
    )
    interventions = interventions_from(
        snapshot.works, snapshot.assets, due, year_from=options.year_from, year_to=options.year_to
    )
    members = memberships_from(snapshot.links, interventions)
    if options.area is not None:
        interventions, members = _within_area(interventions, members, snapshot, options.area)
    area_of = main_area(members, snapshot.segments)
    context = _Context(
        interventions=interventions,
        segments=snapshot.segments,
        tasks=snapshot.tasks,
        area_of=area_of,
        area_names=snapshot.areas.set_index("code")["name"] if len(snapshot.areas) else pd.Series(),
    )
    trench = trench_groups(interventions, members, snapshot.segments, flex_years=options.flex_years)
    scope = scope_matches(interventions, snapshot.tasks, snapshot.areas, flex_years=options.flex_years)
    alignment = alignment_groups(interventions, area_of, list(trench["keys"]))
    couplings = pd.concat(
        [context.trench_rows(trench), context.scope_rows(scope), context.alignment_rows(alignment)], ignore_index=True
    )
    conflicts = pd.concat(
        [
            context.pair_conflict_rows(
                opening_conflicts(
                    interventions, members, flex_years=options.flex_years, reopen_years=options.reopen_years
                )
            ),
            context.pair_conflict_rows(capital_destruction(interventions, members)),
            context.overload_rows(district_overload(interventions, area_of, max_simultaneous=options.max_simultaneous)),
            *_subsurface_rows(snapshot, interventions, members, options),
        ],
        ignore_index=True,
    )
    return Findings(
        couplings=_ordered(couplings, COUPLING_COLUMNS, _KIND_ORDER, "window_start"),
        conflicts=_ordered(conflicts, CONFLICT_COLUMNS, _CONFLICT_ORDER, "first_year"),
    )


def _subsurface_rows(
    snapshot: RegisterSnapshot, interventions: pd.DataFrame, members: pd.DataFrame, options: CouplingOptions
) -> list[pd.DataFrame]:
    """subsurface_misfit conflicts of the planned new networks of each claim kind asked for (K10)."""
    from koppelkans.analysis.subsurface import claim_from_kind, misfit_conflict_rows

    return [
        misfit_conflict_rows(
            interventions, members, snapshot.segments, snapshot.assets, snapshot.links, claim_from_kind(kind)
        )
        for kind in options.subsurface_claims
    ]


def _within_area(
    interventions: pd.DataFrame, members: pd.DataFrame, snapshot: RegisterSnapshot, area: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep interventions on segments in the area or in any area below it (wijk → buurten)."""
    codes = {area}
    parents = snapshot.areas.set_index("code")["parent_code"] if len(snapshot.areas) else pd.Series(dtype=object)
    for _ in range(3):
        codes |= set(parents[parents.isin(codes)].index)
    in_area = snapshot.segments.loc[snapshot.segments["area_code"].isin(codes), "id"]
    keys = set(members.loc[members["segment_id"].isin(in_area), "key"])
    return interventions[interventions["key"].isin(keys)].reset_index(drop=True), members[members["key"].isin(keys)]


@dataclass(frozen=True, kw_only=True)
class _Context:
    """Lookups the result builders share: interventions by key, segment names and geometry."""

    interventions: pd.DataFrame
    segments: pd.DataFrame
    tasks: pd.DataFrame
    area_of: pd.Series
    area_names: pd.Series

    table: pd.DataFrame = field(init=False)
    street_names: pd.Series = field(init=False)
    labels: dict[str, dict[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        # Lookups built once: the result builders ask them for every member of every finding.
        object.__setattr__(self, "table", self.interventions.set_index("key"))
        object.__setattr__(self, "street_names", self.segments.set_index("id")["name"])
        object.__setattr__(self, "labels", {language: self._labels(language) for language in ("nl", "en")})

    def _label(self, key: str, language: str) -> str:
        return self.labels[language][key]

    def _labels(self, language: str) -> dict[str, str]:
        """'riool (2028–2030)' or 'gasleiding G1 (aan vervanging toe in 2029)' for every intervention."""
        table = self.interventions
        spans = [explain.years(int(a), int(b)) for a, b in zip(table["window_start"], table["window_end"], strict=True)]
        names = [explain.what(d, language=language) for d in table["discipline"]]
        due = "due " if language == "en" else "aan vervanging toe in "
        return {
            key: f"{name} {id_} ({due}{span})" if kind == "asset" else f"{name} ({span})"
            for key, kind, id_, name, span in zip(table["key"], table["type"], table["id"], names, spans, strict=True)
        }

    def _street_names(self, segment_ids: tuple[str, ...]) -> str:
        return explain.streets([self.street_names.get(s) for s in segment_ids])

    def _segment_geometry(self, segment_ids: list[tuple[str, ...]]) -> np.ndarray:
        if not segment_ids:
            return np.array([], dtype=object)
        geometry = pd.Series(np.asarray(self.segments.geometry.to_numpy(), dtype=object), index=self.segments["id"])
        flat = [s for ids in segment_ids for s in ids]
        index = np.repeat(np.arange(len(segment_ids)), [len(ids) for ids in segment_ids])
        return shapely.multilinestrings(geometry[flat].to_numpy(), indices=index)

    def _member_geometry(self, keys: list[tuple[str, ...]]) -> np.ndarray:
        if not keys:
            return np.array([], dtype=object)
        geometry = self.table["geometry"]
        flat = [k for group in keys for k in group]
        index = np.repeat(np.arange(len(keys)), [len(group) for group in keys])
        return shapely.geometrycollections(geometry[flat].to_numpy(), indices=index)

    # -- couplings -----------------------------------------------------------------------------
    def trench_rows(self, trench: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for group in trench.itertuples(index=False):
            labels_nl = " en ".join(self._label(k, "nl") for k in group.keys)
            labels_en = " and ".join(self._label(k, "en") for k in group.keys)
            street = self._street_names(group.segment_ids)
            when = explain.years(int(group.window_start), int(group.window_end))
            n = int(group.openings_avoided)
            rows.append(
                {
                    "id": stable_id("MK", group.keys),
                    "kind": "meekoppelkans",
                    "members": _members(group.keys),
                    "segment_ids": group.segment_ids,
                    "window_start": int(group.window_start),
                    "window_end": int(group.window_end),
                    "saving_eur": round(float(group.saving_eur), 2),
                    "openings_avoided": n,
                    "nuisance_days_avoided": round(float(group.nuisance_days_avoided), 1),
                    "explanation_nl": explain.sentence(
                        f"{labels_nl} liggen in dezelfde straat ({street}); samen uitvoeren in {when} "
                        f"bespaart {n} keer openbreken en herbestraten ({explain.euros(group.saving_eur)})."
                    ),
                    "explanation_en": explain.sentence(
                        f"{labels_en} lie in the same street ({street}); doing them together in "
                        f"{when} saves opening and repaving the street {n} time{'s' if n > 1 else ''} "
                        f"({explain.euros(group.saving_eur)})."
                    ),
                }
            )
        frame = pd.DataFrame(rows, columns=COUPLING_COLUMNS)
        return frame.assign(geometry=self._segment_geometry(list(trench["segment_ids"])))

    def scope_rows(self, scope: pd.DataFrame) -> pd.DataFrame:
        rows = []
        theme_nl = {
            "energy_transition": "de warmtetransitie (aardgasvrij)",
            "climate_adaptation": "klimaatadaptatie",
            "social": "de sociale opgave",
            "mobility": "mobiliteit",
            "biodiversity": "biodiversiteit",
            "circularity": "circulariteit",
        }
        for match in scope.itertuples(index=False):
            keys = (*match.keys, f"task:{match.task_id}")
            subject_nl = self._label(match.keys[0], "nl") if len(match.keys) == 1 else self._group_label(match, "nl")
            subject_en = self._label(match.keys[0], "en") if len(match.keys) == 1 else self._group_label(match, "en")
            rows.append(
                {
                    "id": stable_id("KK", keys),
                    "kind": "koppelkans",
                    "members": _members(keys),
                    "segment_ids": (),
                    "window_start": int(match.window_start),
                    "window_end": int(match.window_end),
                    "saving_eur": round(float(match.saving_eur), 2),
                    "openings_avoided": int(match.openings_avoided),
                    "nuisance_days_avoided": round(float(match.nuisance_days_avoided), 1),
                    "explanation_nl": explain.sentence(
                        f"{subject_nl} raakt het gebied van opgave {match.task_id} "
                        f"voor {theme_nl.get(match.theme, match.theme)} (doeljaar {match.target_year}); "
                        f"de scope kan nu nog worden verbreed ({explain.euros(match.saving_eur)})."
                    ),
                    "explanation_en": explain.sentence(
                        f"{subject_en} lies in the area of task {match.task_id} "
                        f"({match.theme.replace('_', ' ')}, target year {match.target_year}); its scope can still be "
                        f"broadened ({explain.euros(match.saving_eur)})."
                    ),
                }
            )
        frame = pd.DataFrame(rows, columns=COUPLING_COLUMNS)
        return frame.assign(geometry=self._member_geometry(list(scope["keys"])))

    def _group_label(self, match: object, language: str) -> str:
        """'riool: 12 delen (2027–2031)' for a party's several interventions in one task area."""
        first = self.table.loc[match.keys[0]]  # type: ignore[attr-defined]
        span = explain.years(int(match.window_start), int(match.window_end))  # type: ignore[attr-defined]
        parts = "parts" if language == "en" else "delen"
        return f"{explain.what(first['discipline'], language=language)}: {len(match.keys)} {parts} ({span})"  # type: ignore[attr-defined]

    def alignment_rows(self, alignment: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for group in alignment.itertuples(index=False):
            area = self.area_names.get(group.area_code, group.area_code)
            n = int(group.n)
            rows.append(
                {
                    "id": stable_id("AF", (*group.keys, str(group.year))),
                    "kind": "afstemming",
                    "members": _members(group.keys),
                    "segment_ids": (),
                    "window_start": int(group.year),
                    "window_end": int(group.year),
                    "saving_eur": 0.0,
                    "openings_avoided": 0,
                    "nuisance_days_avoided": 0.0,
                    "explanation_nl": f"In {area} staan in {group.year} {n} werken van {group.organisations} partijen "
                    "gepland; één verkeersplan en één bewonersbrief.",
                    "explanation_en": f"{n} works by {group.organisations} parties are planned in {area} in "
                    f"{group.year}; share one traffic plan and one letter to residents.",
                }
            )
        frame = pd.DataFrame(rows, columns=COUPLING_COLUMNS)
        return frame.assign(geometry=self._member_geometry(list(alignment["keys"])))

    # -- conflicts -----------------------------------------------------------------------------
    def pair_conflict_rows(self, pairs: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for pair in pairs.itertuples(index=False):
            street = self._street_names(pair.segment_ids)
            first_nl, then_nl = self._label(pair.first, "nl"), self._label(pair.then, "nl")
            first_en, then_en = self._label(pair.first, "en"), self._label(pair.then, "en")
            if pair.kind == "dig_free_violation":
                nl = (
                    f"{then_nl} opent {street} in {pair.then_year}, binnen de graafvrije periode van "
                    f"{int(pair.dig_free_years)} jaar na {first_nl}."
                )
                en = (
                    f"{then_en} opens {street} in {pair.then_year}, within the {int(pair.dig_free_years)}-year "
                    f"dig-free period after {first_en}."
                )
            elif pair.kind == "capital_destruction":
                nl = (
                    f"Nieuwe verharding {first_nl} in {street} terwijl {then_nl} eronder binnen "
                    f"{int(pair.dig_free_years)} jaar vervangen moet worden: kapitaalvernietiging."
                )
                en = (
                    f"New surface {first_en} in {street} while {then_en} below it is due within "
                    f"{int(pair.dig_free_years)} years: capital destruction."
                )
            else:
                nl = (
                    f"{street} wordt in {pair.first_year} en opnieuw in {pair.then_year} opengebroken "
                    f"({first_nl}, {then_nl}); de vensters zijn niet op elkaar af te stemmen."
                )
                en = (
                    f"{street} is opened in {pair.first_year} and again in {pair.then_year} ({first_en}, "
                    f"{then_en}); the windows cannot be aligned."
                )
            rows.append(
                {
                    "id": stable_id(_PREFIX[pair.kind], (pair.first, pair.then)),
                    "kind": pair.kind,
                    "members": _members((pair.first, pair.then)),
                    "segment_ids": pair.segment_ids,
                    "years": (int(pair.first_year), int(pair.then_year)),
                    "first_year": int(pair.first_year),
                    "explanation_nl": explain.sentence(nl),
                    "explanation_en": explain.sentence(en),
                }
            )
        frame = pd.DataFrame(rows, columns=[*CONFLICT_COLUMNS, "first_year"])
        return frame.assign(geometry=self._segment_geometry(list(pairs["segment_ids"])))

    def overload_rows(self, overload: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for group in overload.itertuples(index=False):
            area = self.area_names.get(group.area_code, group.area_code)
            rows.append(
                {
                    "id": stable_id("DO", (group.area_code, str(group.year))),
                    "kind": "district_overload",
                    "members": _members(group.keys),
                    "segment_ids": (),
                    "years": (int(group.year),),
                    "first_year": int(group.year),
                    "explanation_nl": f"In {area} openen in {group.year} {group.n} werken tegelijk de straat; "
                    "de wijk blijft dan slecht bereikbaar.",
                    "explanation_en": f"{group.n} works open streets in {area} in {group.year}; the neighbourhood "
                    "becomes hard to reach.",
                }
            )
        frame = pd.DataFrame(rows, columns=[*CONFLICT_COLUMNS, "first_year"])
        return frame.assign(geometry=self._member_geometry(list(overload["keys"])))


_PREFIX = {"dig_free_violation": "DV", "repeated_opening": "RO", "capital_destruction": "CD"}


def _members(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """('work', 'W1'), ('asset', 'A7'), ('task', 'T2') from the keys 'work:W1' …, sorted."""
    return tuple(sorted(tuple(key.split(":", 1)) for key in keys))  # type: ignore[misc]


def _ordered(frame: pd.DataFrame, columns: list[str], kind_order: dict[str, int], year: str) -> gpd.GeoDataFrame:
    """Findings in a stable order: by kind, then year, then id."""
    if frame.empty:
        return gpd.GeoDataFrame(frame.reindex(columns=[*columns, "geometry"]), geometry="geometry", crs=CRS)
    frame = frame.assign(_kind=frame["kind"].map(kind_order), _year=frame[year])
    frame = frame.sort_values(["_kind", "_year", "id"], kind="stable")
    return gpd.GeoDataFrame(frame[[*columns, "geometry"]].reset_index(drop=True), geometry="geometry", crs=CRS)
