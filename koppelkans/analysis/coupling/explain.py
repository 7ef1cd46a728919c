"""Plain Dutch and English explanations of couplings and conflicts."""

from __future__ import annotations

__all__ = ["euros", "streets", "what", "years"]

_EN = {
    "sewer": "sewer",
    "road": "road surface",
    "water": "water main",
    "gas": "gas main",
    "electricity_lv": "LV cable",
    "electricity_mv": "MV cable",
    "telecom": "telecom cable",
    "fibre": "fibre",
    "heat": "heat network",
    "green": "green",
    "lighting": "street lighting",
    "water_storage": "water storage",
    "charging": "charging points",
}
_NL = {
    "sewer": "riool",
    "road": "verharding",
    "water": "waterleiding",
    "gas": "gasleiding",
    "electricity_lv": "LS-kabel",
    "electricity_mv": "MS-kabel",
    "telecom": "telecomkabel",
    "fibre": "glasvezel",
    "heat": "warmtenet",
    "green": "groen",
    "lighting": "openbare verlichting",
    "water_storage": "waterberging",
    "charging": "laadpunten",
}


def what(discipline: str, *, language: str) -> str:
    """The name of a discipline's network as people say it."""
    return (_EN if language == "en" else _NL).get(discipline, discipline)


def sentence(text: str) -> str:
    """Capitalise the first letter only (names and codes further on keep their case)."""
    return text[:1].upper() + text[1:]


def years(start: int, end: int) -> str:
    return f"{start}" if start == end else f"{start}–{end}"


def euros(amount: float) -> str:
    """Money rounded for reading: € 41.000 (Dutch thousands separator)."""
    return "€ " + f"{round(amount, -3):,.0f}".replace(",", ".")


def streets(names: list[str]) -> str:
    unique = sorted({n for n in names if n})
    if not unique:
        return ""
    return ", ".join(unique[:3]) + (" …" if len(unique) > 3 else "")
