"""KPIs as they stood at each past year end (issue K12: "computed for past years from the audit log, so a trend
is visible"): the data quality of the assets and the couplings on record, rebuilt from the audit log, and the
savings of the plan kept latest by then.

Pure: the audit entries come in as one frame with their states parsed, a frame per year goes out. The register's
past is known from the log's first entry on; a year end before it is "not known" (None), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from koppelkans.analysis.monitoring.definitions import STALE_CONDITION_YEARS
from koppelkans.domain.vocabulary import CouplingStatus

__all__ = ["HISTORY_COLUMNS", "AuditHistory", "history_per_year", "states_at_moments"]

_QUALITY = ["install_year", "material", "condition", "depth_m"]
_ASSET_FIELDS = ["organisation", *_QUALITY, "condition_year"]
_ACCEPTED = frozenset({CouplingStatus.ACCEPTED.value, CouplingStatus.REALISED.value})
HISTORY_COLUMNS = [
    "year",
    "as_of",
    "known",
    "assets",
    "install_year_known",
    "material_known",
    "condition_known",
    "depth_known",
    "stale_conditions",
    "couplings_found",
    "couplings_accepted",
    "couplings_realised",
    "share_realised",
    "plan_scenario",
    "plan_created_at",
    "plan_saving_eur",
    "plan_openings_avoided",
    "plan_nuisance_days_avoided",
]
"""The columns of the history, one row per year end."""


@dataclass(frozen=True, kw_only=True)
class AuditHistory:
    """What the history reads: the audit entries of assets, coupling decisions and coupling workflows (seq, at,
    kind, record_id, old, new: states as dicts, None where the record did not exist), when the log began, and the
    moment the register was read (its tables as they are now fill in the records the log never saw change)."""

    entries: pd.DataFrame
    start: str | None
    now: str
    workflows: pd.DataFrame


def year_end(year: int) -> str:
    """The last instant of a year in the audit log's form (UTC ISO 8601 with microseconds)."""
    return f"{year:04d}-12-31T23:59:59.999999+00:00"


def states_at_moments(
    changes: pd.DataFrame, current: pd.DataFrame, moments: Sequence[str], fields: Sequence[str]
) -> pd.DataFrame:
    """The `fields` of every record at each moment: one row per (moment index `at_index`, record that existed then).

    `changes` are the audit entries of one kind (record_id, at, seq, old, new); `current` the records now (id and
    the fields), the state of a record the log never saw change. A record whose first change lies after a moment
    had then that change's `old` state (none when the change created it). In one pass: each change gets the first
    moment it is in effect at, the last change per record and moment wins and is carried to the later moments.
    Also returns `changed_at`, the moment of the change that made the state ("" for a state from before it)."""
    n_moments = len(moments)
    changes = changes.sort_values(["at", "seq"]).reset_index(drop=True)
    first = changes.drop_duplicates("record_id", keep="first")
    unseen = current[~current["id"].isin(set(changes["record_id"]))]
    table = pd.concat(
        [
            _fields_of(changes["new"], fields).assign(changed_at=changes["at"].to_numpy()),
            _fields_of(first["old"], fields).assign(changed_at=""),
            unseen[list(fields)].assign(_exists=True, changed_at="").reset_index(drop=True),
        ],
        ignore_index=True,
    )
    n_changes, n_first = len(changes), len(first)
    effective = np.searchsorted(np.asarray(moments, dtype=str), changes["at"].to_numpy(dtype=str), side="left")
    steps = pd.DataFrame({"record_id": changes["record_id"], "k": effective, "row": np.arange(n_changes)})
    steps = steps[steps["k"] < n_moments]
    last = steps.pivot_table(index="record_id", columns="k", values="row", aggfunc="max")
    last = last.reindex(index=first["record_id"].to_numpy(), columns=range(n_moments)).ffill(axis=1)
    before = pd.Series(np.arange(n_changes, n_changes + n_first), index=first["record_id"].to_numpy())
    grid = last.apply(lambda column: column.fillna(before)).astype(int)
    rows = [grid.to_numpy(), np.tile(np.arange(n_changes + n_first, len(table))[:, None], (1, n_moments))]
    ids = np.concatenate([grid.index.to_numpy(dtype=object), unseen["id"].to_numpy(dtype=object)])
    picked = np.concatenate(rows, axis=0) if n_moments else np.empty((0, 0), dtype=int)
    at_index = np.tile(np.arange(n_moments), len(ids))
    out = table.iloc[picked.reshape(-1)].reset_index(drop=True)
    out.insert(0, "record_id", np.repeat(ids, n_moments))
    out.insert(0, "at_index", at_index)
    return out[out["_exists"].to_numpy(dtype=bool)].drop(columns="_exists").reset_index(drop=True)


def _fields_of(states: pd.Series, fields: Sequence[str]) -> pd.DataFrame:
    """The fields of parsed states (dicts; None: the record did not exist) as columns, with `_exists`."""
    exists = states.notna().to_numpy(dtype=bool)
    records = [s if isinstance(s, Mapping) else {} for s in states]
    frame = pd.DataFrame.from_records(records, columns=list(fields)) if records else pd.DataFrame(columns=fields)
    return frame.astype(object).assign(_exists=exists)


def history_per_year(
    audit: AuditHistory,
    *,
    years: Sequence[int],
    assets: pd.DataFrame,
    decisions: pd.DataFrame,
    plans: Sequence[Mapping[str, Any]],
    asset_ids: set[str] | None = None,
    organisations: set[str] | None = None,
    couplings_in_scope: set[str] | None = None,
) -> pd.DataFrame:
    """Per year end (the current moment for this year; later years are left out): data quality and couplings on
    record as the log knows them, and the savings of the latest kept plan. `asset_ids` (an area's assets),
    `organisations` and `couplings_in_scope` narrow the scope; None: no restriction."""
    moments = [min(year_end(y), audit.now) for y in years if year_end(y - 1) < audit.now]
    years = [int(y) for y in years][: len(moments)]
    known = [(audit.start is not None and audit.start <= m) or m == audit.now for m in moments]
    entries = audit.entries
    quality = _quality(
        states_at_moments(entries[entries["kind"] == "assets"], assets, moments, _ASSET_FIELDS),
        years,
        asset_ids,
        organisations,
    )
    couplings = _couplings(audit, decisions, moments, couplings_in_scope)
    # as_of names the year end; this year's figures are the register as it is now (what is known of the year).
    frame = pd.DataFrame({"year": years, "as_of": [year_end(y) for y in years], "known": known})
    frame = frame.join(quality, how="left").join(couplings, how="left")
    measured = HISTORY_COLUMNS[3:13]
    frame[measured] = frame[measured].astype(object)
    frame.loc[~frame["known"], measured] = None
    frame = frame.join(_plan_history(plans, moments))
    return frame.reindex(columns=HISTORY_COLUMNS)


def _quality(
    states: pd.DataFrame, years: Sequence[int], asset_ids: set[str] | None, organisations: set[str] | None
) -> pd.DataFrame:
    """Per moment the shares of the assets then in the register with each field known, and stale conditions."""
    if asset_ids is not None:
        states = states[states["record_id"].isin(asset_ids)]
    if organisations is not None:
        states = states[states["organisation"].isin(organisations)]
    year = np.asarray(years, dtype=float)[states["at_index"].to_numpy(dtype=int)]
    known = {f: states[f].notna() for f in _QUALITY}
    observed = pd.to_numeric(states["condition_year"], errors="coerce").fillna(
        pd.to_numeric(states["install_year"], errors="coerce")
    )
    stale = known["condition"] & (observed.to_numpy() < year - STALE_CONDITION_YEARS)
    flags = pd.DataFrame(
        {
            "at_index": states["at_index"].to_numpy(),
            "install_year_known": known["install_year"].to_numpy(dtype=float),
            "material_known": known["material"].to_numpy(dtype=float),
            "condition_known": known["condition"].to_numpy(dtype=float),
            "depth_known": known["depth_m"].to_numpy(dtype=float),
            "stale": stale.to_numpy(dtype=float),
        }
    )
    grouped = flags.groupby("at_index")
    out = grouped[["install_year_known", "material_known", "condition_known", "depth_known"]].mean()
    out.insert(0, "assets", grouped.size())
    with_condition = grouped["condition_known"].sum()
    out["stale_conditions"] = (grouped["stale"].sum() / with_condition).where(with_condition > 0)
    out = out.reindex(range(len(years)))
    out["assets"] = out["assets"].fillna(0).astype(int)
    return out


def _couplings(
    audit: AuditHistory, decisions: pd.DataFrame, moments: Sequence[str], in_scope: set[str] | None
) -> pd.DataFrame:
    """Per moment the couplings on record (a project's decision or a workflow), and how many of them stood
    accepted or realised: each coupling's status is that of its record changed last by then."""
    entries = audit.entries
    fields = ["coupling_id", "status"]
    current_decisions = decisions.assign(id=_decision_keys(decisions)) if len(decisions) else _empty(["id", *fields])
    workflows = audit.workflows.assign(id=audit.workflows["coupling_id"]) if len(audit.workflows) else None
    parts = [
        states_at_moments(entries[entries["kind"] == "coupling_decisions"], current_decisions, moments, fields),
        states_at_moments(
            entries[entries["kind"] == "coupling_workflow"],
            workflows if workflows is not None else _empty(["id", *fields]),
            moments,
            fields,
        ),
    ]
    states = pd.concat(parts, ignore_index=True)
    if in_scope is not None:
        states = states[states["coupling_id"].isin(in_scope)]
    latest = states.sort_values("changed_at").drop_duplicates(["at_index", "coupling_id"], keep="last")
    grouped = latest.assign(
        accepted=latest["status"].isin(_ACCEPTED), realised=latest["status"] == CouplingStatus.REALISED.value
    ).groupby("at_index")
    out = pd.DataFrame(
        {
            "couplings_found": grouped.size(),
            "couplings_accepted": grouped["accepted"].sum(),
            "couplings_realised": grouped["realised"].sum(),
        }
    ).reindex(range(len(moments)))
    out = out.fillna(0).astype(int)
    out["share_realised"] = (out["couplings_realised"] / out["couplings_found"]).where(out["couplings_found"] > 0)
    return out


def _decision_keys(decisions: pd.DataFrame) -> pd.Series:
    """A coupling decision's record id in the audit log: `project_id:coupling_id`."""
    return decisions["project_id"].astype(str) + ":" + decisions["coupling_id"].astype(str)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _plan_history(plans: Sequence[Mapping[str, Any]], moments: Sequence[str]) -> pd.DataFrame:
    """Per moment the latest plan kept by then (any scenario) and its estimated savings. A plan kept again under
    its scenario's name replaces the earlier one, so a moment before every kept plan shows none (not known)."""
    kept = sorted(
        ((str(p.get("created_at")), p) for p in plans if p.get("created_at")),
        key=lambda pair: _utc(pair[0]),
    )
    rows = []
    for moment in moments:
        made = [p for at, p in kept if _utc(at) <= moment]
        plan = made[-1] if made else None
        savings = (plan or {}).get("savings") or {}
        rows.append(
            {
                "plan_scenario": plan.get("scenario") if plan else None,
                "plan_created_at": plan.get("created_at") if plan else None,
                "plan_saving_eur": savings.get("eur"),
                "plan_openings_avoided": savings.get("openings_avoided"),
                "plan_nuisance_days_avoided": savings.get("nuisance_days_avoided"),
            }
        )
    return pd.DataFrame(rows, index=range(len(moments)))


def _utc(moment: str) -> str:
    """A plan's created_at (ISO 8601, any zone) in the audit log's form, so moments compare as text."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.isoformat(timespec="microseconds")
