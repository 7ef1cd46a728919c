"""The parties of the demo: each municipality with its departments, the utilities and the water boards.

Enexis (Liander in Gelderland) for electricity and gas, Vitens for water, KPN's copper, a fibre
company, a heat company, the water board and a housing corporation per town. The fibre, heat and
housing companies are fictitious names: their plans in the demo are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from koppelkans.demo.towns import Town

__all__ = ["DEPARTMENTS", "UTILITIES", "corporation_code", "department_code", "organisations_for"]


@dataclass(frozen=True, kw_only=True)
class _Party:
    code: str
    name: str
    kind: str
    disciplines: str


DEPARTMENTS: dict[str, tuple[str, str]] = {
    "RIO": ("riolering en stedelijk water", "sewer;water_storage"),
    "WEG": ("wegen", "road"),
    "GRN": ("groen", "green"),
    "OVL": ("openbare verlichting", "lighting"),
}
"""Municipal departments: suffix → (name, disciplines)."""

UTILITIES: dict[str, _Party] = {
    party.code: party
    for party in (
        _Party(
            code="ENEXIS",
            name="Enexis Netbeheer",
            kind="grid_operator",
            disciplines="electricity_lv;electricity_mv;gas",
        ),
        _Party(code="LIANDER", name="Liander", kind="grid_operator", disciplines="electricity_lv;electricity_mv;gas"),
        _Party(code="VITENS", name="Vitens", kind="water_company", disciplines="water"),
        _Party(code="KPN", name="KPN (kopernet)", kind="telecom", disciplines="telecom"),
        _Party(code="GLASOOST", name="Glasvezel Oost (fictief)", kind="telecom", disciplines="fibre"),
        _Party(code="WARMTEOOST", name="Warmtebedrijf Oost (fictief)", kind="heat_company", disciplines="heat"),
        _Party(
            code="VECHTSTROMEN", name="Waterschap Vechtstromen", kind="water_board", disciplines="sewer;water_storage"
        ),
        _Party(
            code="WDODELTA",
            name="Waterschap Drents Overijsselse Delta",
            kind="water_board",
            disciplines="sewer;water_storage",
        ),
        _Party(
            code="RIJNIJSSEL", name="Waterschap Rijn en IJssel", kind="water_board", disciplines="sewer;water_storage"
        ),
        _Party(
            code="VALLEIVELUWE",
            name="Waterschap Vallei en Veluwe",
            kind="water_board",
            disciplines="sewer;water_storage",
        ),
    )
}
"""The utilities and water boards, by code."""


def department_code(town: Town, department: str) -> str:
    """The code of a municipal department, e.g. GM0153-RIO."""
    return f"{town.code}-{department}"


def corporation_code(town: Town) -> str:
    """The code of the town's housing corporation."""
    return f"WOON{town.digits}"


def organisations_for(towns: list[Town]) -> pd.DataFrame:
    """The organisations of the given towns in the exchange schema: utilities first, then each municipality."""
    used = ["VITENS", "KPN", "GLASOOST", "WARMTEOOST"]
    used += list(dict.fromkeys(t.grid_operator for t in towns)) + list(dict.fromkeys(t.water_board for t in towns))
    rows = [
        {"code": p.code, "name": p.name, "kind": p.kind, "parent_code": None, "disciplines": p.disciplines}
        for p in (UTILITIES[code] for code in sorted(set(used), key=used.index))
    ]
    for town in towns:
        rows.append(
            {
                "code": town.code,
                "name": f"Gemeente {town.name}",
                "kind": "municipality",
                "parent_code": None,
                "disciplines": None,
            }
        )
        for suffix, (label, disciplines) in DEPARTMENTS.items():
            rows.append(
                {
                    "code": department_code(town, suffix),
                    "name": f"Gemeente {town.name} - {label}",
                    "kind": "municipality",
                    "parent_code": town.code,
                    "disciplines": disciplines,
                }
            )
        rows.append(
            {
                "code": corporation_code(town),
                "name": f"Woonstichting {town.name} (fictief)",
                "kind": "housing_corporation",
                "parent_code": None,
                "disciplines": None,
            }
        )
    return pd.DataFrame(rows)
