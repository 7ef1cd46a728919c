"""CROW road inspection results (visual inspection of pavements) → NEN 2767 conditions of road assets.

No public sample of a CROW inspection export exists, so this module defines the CSV a road
management package can produce (or a `--mapping` can make of its export): one row per damage
observed on a road section, `;`- or `,`-separated, UTF-8, Dutch column names::

    inspectie_id;inspectiedatum;asset_id;wegvak;verhardingssoort;schadebeeld;ernst;omvang;omvang_pct;opmerking
    INS-2024-001;2024-05-14;GM0153-WEG:V1;Roomweg 1-40;asfalt;rafeling;M;2;;
    INS-2024-001;2024-05-14;GM0153-WEG:V1;Roomweg 1-40;asfalt;langsscheuren;E;1;;bij kolk

- `asset_id` (required): the road asset in our register (rename the package's section id onto it
  with `--mapping`); `inspectiedatum` (required): ISO `2024-05-14` or Dutch `14-05-2024`.
- `schadebeeld` (required): the CROW damage type (CROW publication 146, visual inspection):
  asphalt `rafeling`, `langsscheuren`, `dwarsscheuren`, `craquelé`, `scheurvorming`,
  `spoorvorming`, `oneffenheden`, `dwarsonvlakheid`, `randschade`, `zettingen`; block paving
  `voegwijdte`, `ontbrekende elementen`, `gebroken elementen`, `kantopsluiting`; `geen` (none).
- `ernst` (required unless `geen`): CROW severity L (licht), M (matig), E (ernstig).
- `omvang`: CROW extent class 1 (beperkt, < 10 % of the section), 2 (plaatselijk, 10–30 %),
  3 (algemeen, > 30 %); or `omvang_pct`, the measured percentage, which takes precedence.

Mapping onto NEN 2767 (scale 1 excellent … 6 very poor), per damage: the damage type gives the
NEN *ernst* (`DAMAGE_SEVERITY`: structural damage is ernstig, wear serieus, edges and joints
gering — our reading of NEN 2767-4 defect lists), the CROW severity the *intensiteit* (L → 1
beginstadium, M → 2 gevorderd, E → 3 eindstadium), the extent the *omvang* class (< 2 %, 2–10 %,
10–30 %, 30–70 %, ≥ 70 %; CROW classes 1/2/3 → 2/3/4); the NEN 2767-1 condition tables turn these
three into a score. A section's condition is its worst damage at the latest inspection (the NEN
method aggregates more finely; the worst damage is the conservative reading). The originals are
kept in attributes: `crow_damages` (`"rafeling M2; langsscheuren E1"`), `crow_worst`,
`crow_inspection_id`, `crow_inspection_date`, and the condition the asset had before
(`previous_condition`, `previous_condition_year`). The update replaces the asset records in one
transaction (all-or-nothing, `koppelkans.register.import_crow`), rejecting rows that name unknown or non-road
assets (`condition_updates`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from koppelkans.config import CRS
from koppelkans.errors import InputError, Problem
from koppelkans.io.exchange import read_table
from koppelkans.io.mapping import ColumnMapping, MappedRecords

__all__ = [
    "CONDITION_TABLES",
    "DAMAGE_SEVERITY",
    "condition_updates",
    "conditions_from_inspections",
    "nen2767_condition",
    "read_crow",
]

DAMAGE_SEVERITY: dict[str, str] = {
    **dict.fromkeys(
        (
            "scheurvorming",
            "langsscheuren",
            "dwarsscheuren",
            "craquelé",
            "craquele",
            "spoorvorming",
            "dwarsonvlakheid",
            "zettingen",
            "gebroken elementen",
        ),
        "ernstig",
    ),
    **dict.fromkeys(("rafeling", "oneffenheden", "ontbrekende elementen", "bitumen uittreding"), "serieus"),
    **dict.fromkeys(("randschade", "kantopsluiting", "voegwijdte", "voegvulling", "vervuiling"), "gering"),
}
"""CROW damage type → NEN 2767 ernst of the defect (our reading; override in code if your practice differs)."""

INTENSITY = {"l": 1, "licht": 1, "m": 2, "matig": 2, "e": 3, "ernstig": 3}
"""CROW severity → NEN 2767 intensiteit (1 beginstadium, 2 gevorderd, 3 eindstadium)."""

CROW_EXTENT_TO_NEN = {1: 2, 2: 3, 3: 4}
"""CROW extent class → NEN 2767 omvang class."""

CONDITION_TABLES: dict[str, tuple[tuple[int, ...], ...]] = {
    "ernstig": ((1, 1, 2, 3, 4), (1, 2, 3, 4, 5), (2, 3, 4, 5, 6)),
    "serieus": ((1, 1, 1, 2, 3), (1, 1, 2, 3, 4), (1, 2, 3, 4, 5)),
    "gering": ((1, 1, 1, 1, 2), (1, 1, 1, 2, 3), (1, 1, 2, 3, 4)),
}
"""NEN 2767-1: condition score by ernst, intensiteit (rows 1–3) and omvang class (columns < 2 %, 2–10 %,
10–30 %, 30–70 %, ≥ 70 %)."""

_ERNST_INDEX = {"gering": 0, "serieus": 1, "ernstig": 2}
_TABLE = np.array([CONDITION_TABLES[name] for name in _ERNST_INDEX])
"""CONDITION_TABLES as one array indexed [ernst, intensiteit − 1, omvang − 1]."""

NO_DAMAGE = frozenset({"geen", "geen schade", "none", "-"})
REQUIRED = ("asset_id", "inspectiedatum", "schadebeeld")


def nen2767_condition(ernst: str, intensity: int, extent_class: int) -> int:
    """The NEN 2767 condition score (1–6) of one defect."""
    return CONDITION_TABLES[ernst][intensity - 1][extent_class - 1]


def _extent_from_percent(percent: pd.Series) -> pd.Series:
    bins = [-np.inf, 2, 10, 30, 70, np.inf]
    return pd.cut(percent, bins=bins, labels=[1, 2, 3, 4, 5], right=False).astype(float)


def read_crow(path: str | Path, *, mapping: ColumnMapping | None = None) -> pd.DataFrame:
    """An inspection CSV/XLSX as text, column names lower-cased (and renamed through `mapping`)."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{path.name}: CROW inspection results are a .csv (or .xlsx) file")
    if path.exists() and path.stat().st_size == 0:
        raise InputError(f"{path.name} is empty")
    frame = read_table(path).frame
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if mapping is not None:
        frame = _renamed(frame, mapping)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path.name}: not a CROW inspection file: column(s) {', '.join(missing)} missing "
            f"(found {', '.join(frame.columns) or 'none'}); rename yours with --mapping",
            field=missing[0],
        )
    frame = frame.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v).astype(object)
    return frame.where(frame.notna() & (frame != ""), None)


def _renamed(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Apply a mapping's renames and value translations (its targets are inspection columns here)."""
    present = {str(c).strip().lower(): c for c in frame.columns}
    renames = {}
    for theirs, ours in mapping.columns.items():
        if theirs.lower() not in present:
            raise InputError(f"{mapping.source}: column {theirs!r} is not in the file", field=ours)
        renames[present[theirs.lower()]] = ours.lower()
    frame = frame.rename(columns=renames)
    for column, table in mapping.values.items():
        if column in frame.columns:
            lowered = {k.lower(): v for k, v in table.items()}
            frame[column] = frame[column].map(lambda v, t=lowered: t.get(str(v).strip().lower(), v) if v else v)
    for column, value in mapping.defaults.items():
        if column not in frame.columns:
            frame[column] = value
    return frame


def conditions_from_inspections(inspections: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Per asset: the NEN 2767 condition of its latest inspection, its damages as written, and row problems.

    Returns a frame with asset_id, condition, condition_year, crow_inspection_id, crow_inspection_date,
    crow_damages, crow_worst, crow_rows.
    """
    rows = inspections.reset_index(drop=True)
    row_number = pd.Series(np.arange(len(rows)) + 2, dtype=int)  # line in the file, after the header
    problems: list[Problem] = []

    def report(mask: pd.Series, field: str, reason: pd.Series | str) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            text = reason if isinstance(reason, str) else reason.iloc[i]
            problems.append(
                Problem(
                    kind="assets", record=rows["asset_id"].iloc[i], field=field, reason=text, row=int(row_number[i])
                )
            )

    report(rows["asset_id"].isna(), "asset_id", "required value is missing")
    dates = pd.to_datetime(rows["inspectiedatum"], errors="coerce", format="ISO8601")
    dutch = pd.to_datetime(rows["inspectiedatum"], errors="coerce", format="%d-%m-%Y")
    slashed = pd.to_datetime(rows["inspectiedatum"], errors="coerce", format="%d/%m/%Y")
    dates = dates.fillna(dutch).fillna(slashed)
    report(
        dates.isna(), "inspectiedatum", rows["inspectiedatum"].map(lambda v: f"{v!r} is not a date (use 2024-05-14)")
    )
    damage = rows["schadebeeld"].fillna("").str.lower()
    none = damage.isin(NO_DAMAGE)
    ernst = damage.map(DAMAGE_SEVERITY)
    report(
        ~none & ernst.isna(),
        "schadebeeld",
        rows["schadebeeld"].map(
            lambda v: (
                "required value is missing"
                if v is None
                else f"{v!r} is not a known CROW damage type; expected one of {', '.join(DAMAGE_SEVERITY)}, geen"
            )
        ),
    )
    intensity = rows.get("ernst", pd.Series([None] * len(rows))).fillna("").str.lower().map(INTENSITY)
    report(
        ~none & intensity.isna(),
        "ernst",
        rows.get("ernst", pd.Series([None] * len(rows))).map(
            lambda v: "required value is missing: use L, M or E" if v is None else f"{v!r}: use L, M or E"
        ),
    )
    extent = _extent(rows)
    report(~none & extent.isna(), "omvang", "omvang must be 1, 2 or 3 (or give omvang_pct 0–100)")
    score = pd.Series(1, index=rows.index, dtype=float)
    ok = ~none & ernst.notna() & intensity.notna() & extent.notna()
    score[ok] = _TABLE[
        ernst[ok].map(_ERNST_INDEX).to_numpy(int), intensity[ok].to_numpy(int) - 1, extent[ok].to_numpy(int) - 1
    ]
    bad_rows = ~(none | ok) | dates.isna() | rows["asset_id"].isna()
    percent = rows.get("omvang_pct", pd.Series([None] * len(rows))).map(
        lambda v: f" {v}%" if isinstance(v, str) and v else None
    )
    crow_extent = percent.fillna(rows.get("omvang", pd.Series([None] * len(rows)))).fillna("")
    written = (
        rows["schadebeeld"].fillna("")
        + " "
        + rows.get("ernst", pd.Series([""] * len(rows))).fillna("").str.upper()
        + crow_extent
    )  # as CROW writes it: "rafeling M2", or with a measured extent "spoorvorming M 45%"
    good = rows[~bad_rows].assign(
        _date=dates[~bad_rows],
        _score=score[~bad_rows],
        _written=written[~bad_rows].str.strip(),
        _line=row_number[~bad_rows],
    )
    if good.empty:
        return pd.DataFrame(columns=["asset_id", "condition"]), problems
    latest = good.groupby("asset_id")["_date"].transform("max")
    current = good[good["_date"] == latest]
    inspection = current.get("inspectie_id", pd.Series([None] * len(current), index=current.index))
    grouped = current.assign(_inspection=inspection).groupby("asset_id", sort=True)
    worst_row = current.loc[current.groupby("asset_id")["_score"].idxmax()].set_index("asset_id")
    result = pd.DataFrame(
        {
            "condition": grouped["_score"].max().astype(int),
            "condition_year": grouped["_date"].max().dt.year,
            "crow_inspection_id": grouped["_inspection"].first(),
            "crow_inspection_date": grouped["_date"].max().dt.strftime("%Y-%m-%d"),
            "crow_damages": grouped["_written"].agg(lambda s: "; ".join(v for v in s if v.lower() not in NO_DAMAGE)),
            "crow_worst": worst_row["_written"].where(worst_row["_score"] > 1),
            "crow_rows": grouped["_line"].agg(lambda s: ",".join(map(str, s))),
        }
    ).reset_index()
    result["crow_damages"] = result["crow_damages"].where(result["crow_damages"] != "", "geen")
    return result, problems


def _extent(rows: pd.DataFrame) -> pd.Series:
    """NEN omvang class from omvang_pct when given, else from the CROW class."""
    percent = pd.to_numeric(
        rows.get("omvang_pct", pd.Series([None] * len(rows)))
        .astype(object)
        .map(lambda v: str(v).replace(",", ".") if v else None),
        errors="coerce",
    )
    percent = percent.where((percent >= 0) & (percent <= 100))
    crow = pd.to_numeric(rows.get("omvang", pd.Series([None] * len(rows))), errors="coerce").map(CROW_EXTENT_TO_NEN)
    return _extent_from_percent(percent).fillna(crow)


def condition_updates(
    stored: pd.DataFrame, conditions: pd.DataFrame, *, problems: list[Problem] | None = None, source: str = "CROW"
) -> MappedRecords:
    """The stored road assets an inspection file rates, with their new condition (records to store with replace).

    Parameters
    ----------
    stored
        The assets the inspections name, as the register holds them (ids it does not hold are rejected).
    conditions, problems
        What `conditions_from_inspections` made of the file.
    """
    problems = list(problems or [])
    known = stored.set_index("id")
    for asset_id, lines, year in zip(
        conditions.get("asset_id", []), conditions.get("crow_rows", []), conditions.get("condition_year", [])
    ):
        row = int(str(lines).split(",")[0])
        reason = _refusal(known, asset_id, int(year))
        if reason is not None:
            problems.append(Problem(kind="assets", record=asset_id, field=reason[0], reason=reason[1], row=row))
    if problems or conditions.empty:  # nothing to update: the problems say why, or the file has no rows
        return MappedRecords(
            kind="assets",
            source=source,
            records=pd.DataFrame(),
            problems=tuple(sorted(problems, key=lambda p: (p.row or 0, p.field or ""))),
        )
    updated = _updated(stored, conditions)
    mapped = updated["condition"].map(lambda c: f"road assets → NEN 2767 condition {c}").value_counts().sort_index()
    return MappedRecords(
        kind="assets", source=source, records=updated, mapped={str(k): int(v) for k, v in mapped.items()}
    )


def _refusal(known: pd.DataFrame, asset_id: str, inspected: int) -> tuple[str, str] | None:
    """(field, reason) when an inspection cannot update this asset: unknown, rated later already, not a road."""
    if asset_id not in known.index:
        return "asset_id", "no such asset in the register"
    held = known.at[asset_id, "condition_year"]
    if pd.notna(held) and held > inspected:
        return (
            "inspectiedatum",
            f"the register holds a later condition (of {held}); an older inspection does not replace it",
        )
    if known.at[asset_id, "discipline"] != "road":
        return "asset_id", f"a {known.at[asset_id, 'discipline']} asset; CROW inspections rate road assets"
    return None


def _updated(stored: pd.DataFrame, conditions: pd.DataFrame) -> pd.DataFrame:
    """The stored asset records with their new condition and the inspection in attributes."""
    by_id = conditions.set_index("asset_id")
    records = stored.copy()
    new = by_id.reindex(records["id"])
    attributes = []
    for old, (_, inspection), previous, previous_year in zip(
        records["attributes"], new.iterrows(), records["condition"], records["condition_year"]
    ):
        merged = dict(old or {})
        merged.update(
            {
                "crow_inspection_id": inspection["crow_inspection_id"],
                "crow_inspection_date": inspection["crow_inspection_date"],
                "crow_damages": inspection["crow_damages"],
                "crow_worst": inspection["crow_worst"],
                "condition_source": "CROW visual inspection → NEN 2767",
                "previous_condition": None if pd.isna(previous) else int(previous),
                "previous_condition_year": None if pd.isna(previous_year) else int(previous_year),
            }
        )
        attributes.append(
            {k: v for k, v in merged.items() if v is not None and not (isinstance(v, float) and np.isnan(v))}
        )
    records["condition"] = new["condition"].to_numpy()
    records["condition_year"] = new["condition_year"].to_numpy()
    records["attributes"] = attributes
    records = records.set_geometry(records.geometry)
    return records.set_crs(CRS, allow_override=True)
