"""Which assets are confidential, and how others see them: as an occupied zone without attributes.

Confidential are KLIC-derived assets (`confidential=true`, set by the IMKL importer) and vital
infrastructure (`vital=true`, or a KLIC theme of high voltage, high-pressure gas or pipelines with
dangerous content: the networks for which KLIC demands extra precautions). Their owner,
coordinators and admins see them in detail; everyone else sees only where they lie.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from koppelkans.access.roles import Principal
from koppelkans.domain.findings import members_from_text
from koppelkans.domain.records import kind_spec

__all__ = [
    "CONFIDENTIALITY_KEYS",
    "OCCUPIED_ZONE",
    "VITAL_KLIC_THEMES",
    "hidden_assets",
    "involves_hidden",
    "is_confidential",
    "may_see_details",
    "redact",
    "visible_findings",
    "visible_records",
    "zone_id",
]

VITAL_KLIC_THEMES = frozenset(
    {"hoogspanning", "landelijkHoogspanningsnet", "gasHogeDruk", "buisleidingGevaarlijkeInhoud", "petrochemie"}
)
"""KLIC themes of vital infrastructure (IMKL 2.0 thema codelist; the EV-netten of the WIBON)."""

CONFIDENTIALITY_KEYS = ("confidential", "vital", "klic_thema")
"""The attributes that can make an asset confidential (what `is_confidential` reads)."""

OCCUPIED_ZONE = "occupied_zone"
"""The only attribute an occupied zone carries (`{"occupied_zone": true}`)."""

_TRUE_TEXTS = frozenset({"true", "1", "yes", "ja"})


def _flag(value: Any) -> bool:
    """A yes/no attribute as files write it: true, 1, "true", "ja" (from CSV or a KLIC import)."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_TEXTS
    return value is True or (isinstance(value, (int, float)) and value == 1)


def _is_confidential_one(attributes: Mapping[str, Any] | None) -> bool:
    a = attributes or {}
    return _flag(a.get("confidential")) or _flag(a.get("vital")) or a.get("klic_thema") in VITAL_KLIC_THEMES


def is_confidential(attributes: Iterable[Mapping[str, Any] | None]) -> np.ndarray:
    """Per asset (its attributes), whether it is KLIC-derived or vital infrastructure."""
    return np.fromiter((_is_confidential_one(a) for a in attributes), dtype=bool)


def may_see_details(principal: Principal, organisations: Iterable[Any]) -> np.ndarray:
    """Per owning organisation, whether `principal` sees its confidential assets in detail."""
    owners = list(organisations)
    if principal.sees_all:
        return np.ones(len(owners), dtype=bool)
    if principal.organisation is None:
        return np.zeros(len(owners), dtype=bool)
    return np.fromiter((o == principal.organisation for o in owners), dtype=bool, count=len(owners))


def zone_id(asset_id: str) -> str:
    """A stable id for an occupied zone that does not reveal the asset's id (which names its owner)."""
    return "zone:" + hashlib.sha256(str(asset_id).encode()).hexdigest()[:16]


def hidden_assets(principal: Principal, assets: pd.DataFrame) -> np.ndarray:
    """Which of these assets `principal` may see only as occupied zones."""
    if assets.empty or principal.sees_all:
        return np.zeros(len(assets), dtype=bool)
    return is_confidential(assets["attributes"]) & ~may_see_details(principal, assets["organisation"])


def redact(principal: Principal, assets: pd.DataFrame) -> pd.DataFrame:
    """Assets as `principal` may see them: confidential assets of other organisations become occupied
    zones (their geometry, an opaque id, no other value). Returns the frame itself when nothing is hidden."""
    hidden = hidden_assets(principal, assets)
    if not hidden.any():
        return assets
    spec = kind_spec("assets")
    out = assets.copy()
    out.loc[hidden, spec.key] = [zone_id(i) for i in assets.loc[hidden, spec.key]]
    for column in spec.column_names:
        if column != spec.key and column in out.columns:
            out.loc[hidden, column] = pd.NA if str(out[column].dtype) in ("Int64", "float64") else None
    out["attributes"] = [{OCCUPIED_ZONE: True} if h else a for h, a in zip(hidden, assets["attributes"])]
    return out


def visible_records(principal: Principal, kind: str, records: pd.DataFrame) -> pd.DataFrame:
    """Records of any kind as `principal` may see them (only assets can be confidential)."""
    return redact(principal, records) if kind == "assets" else records


def visible_findings(payload: Mapping[str, Any], hidden_asset_ids: Iterable[str]) -> dict[str, Any]:
    """Couplings and conflicts (the JSON of `koppelkans couplings`) without those that involve a hidden asset:
    their members and explanations would tell what an occupied zone is (its network, owner, due year)."""
    hidden = frozenset(hidden_asset_ids)
    if not hidden:
        return dict(payload)

    out = dict(payload)
    for name in ("couplings", "conflicts"):
        if name in out:
            out[name] = [f for f in out[name] if not involves_hidden(f["members"], hidden)]
    return out


def involves_hidden(members: Iterable[Mapping[str, Any]], hidden: frozenset[str]) -> bool:
    """Whether a coupling's or conflict's members (`{type, id}`) include one of the hidden assets."""
    return any(m["type"] == "asset" and m["id"] in hidden for m in members)


def stored_findings_seen_by(principal: Principal, rows: pd.DataFrame, assets: pd.DataFrame) -> pd.DataFrame:
    """Stored couplings or conflicts (rows with their `members` as stored) without those that involve an asset
    hidden from `principal`; `assets` holds at least the assets they name (see `member_asset_ids`)."""
    hidden = frozenset(assets.loc[hidden_assets(principal, assets), "id"]) if not rows.empty else frozenset()
    if not hidden:
        return rows
    keep = [not involves_hidden(members_from_text(m), hidden) for m in rows["members"]]
    return rows.loc[keep].reset_index(drop=True)


def member_asset_ids(*rows: pd.DataFrame) -> list[str]:
    """The ids of the assets that stored couplings or conflicts name among their members."""
    return sorted(
        {m["id"] for frame in rows for ms in frame["members"] for m in members_from_text(ms) if m["type"] == "asset"}
    )
