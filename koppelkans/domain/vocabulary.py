"""The controlled vocabularies of PRODUCT.md §5: lower-case codes in data, Dutch labels in the UI."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "TRENCHLESS_WORK_KINDS",
    "AreaLevel",
    "ConflictKind",
    "CouplingKind",
    "Discipline",
    "OrganisationKind",
    "Phase",
    "ProjectType",
    "TaskTheme",
    "Vocabulary",
    "WorkKind",
    "WorkStatus",
]


class Vocabulary(StrEnum):
    """A vocabulary: its members are the codes; `label` is the Dutch UI label."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value)

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


class OrganisationKind(Vocabulary):
    MUNICIPALITY = "municipality"
    GRID_OPERATOR = "grid_operator"
    WATER_COMPANY = "water_company"
    TELECOM = "telecom"
    HEAT_COMPANY = "heat_company"
    WATER_BOARD = "water_board"
    HOUSING_CORPORATION = "housing_corporation"
    OTHER = "other"


class Discipline(Vocabulary):
    SEWER = "sewer"
    ROAD = "road"
    WATER = "water"
    GAS = "gas"
    ELECTRICITY_LV = "electricity_lv"
    ELECTRICITY_MV = "electricity_mv"
    TELECOM = "telecom"
    FIBRE = "fibre"
    HEAT = "heat"
    GREEN = "green"
    LIGHTING = "lighting"
    WATER_STORAGE = "water_storage"
    CHARGING = "charging"


class WorkKind(Vocabulary):
    REPLACE = "replace"
    RENOVATE = "renovate"
    RELINE = "reline"
    RESURFACE = "resurface"
    RECONSTRUCT = "reconstruct"
    CONSTRUCT = "construct"
    REMOVE = "remove"
    MAINTAIN = "maintain"


TRENCHLESS_WORK_KINDS = frozenset({WorkKind.RELINE, WorkKind.MAINTAIN})
"""Work kinds that do not open the street."""


class WorkStatus(Vocabulary):
    IDEA = "idea"
    PLANNED = "planned"
    COMMITTED = "committed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Phase(Vocabulary):
    INITIATIEF = "initiatief"
    PSU = "psu"
    PVE = "pve"
    DO = "do"
    BESTEK = "bestek"
    REALISATIE = "realisatie"
    BEHEER = "beheer"


class ProjectType(Vocabulary):
    BEHEER = "beheer"
    TRANSITIE = "transitie"
    ONTWIKKELING = "ontwikkeling"
    HERSTRUCTURERING = "herstructurering"
    WIJKGERICHT = "wijkgericht"


class TaskTheme(Vocabulary):
    ENERGY_TRANSITION = "energy_transition"
    CLIMATE_ADAPTATION = "climate_adaptation"
    SOCIAL = "social"
    MOBILITY = "mobility"
    BIODIVERSITY = "biodiversity"
    CIRCULARITY = "circularity"


class AreaLevel(Vocabulary):
    GEMEENTE = "gemeente"
    WIJK = "wijk"
    BUURT = "buurt"


class CouplingKind(Vocabulary):
    KOPPELKANS = "koppelkans"
    MEEKOPPELKANS = "meekoppelkans"
    AFSTEMMING = "afstemming"


class ConflictKind(Vocabulary):
    REPEATED_OPENING = "repeated_opening"
    CAPITAL_DESTRUCTION = "capital_destruction"
    DIG_FREE_VIOLATION = "dig_free_violation"
    DISTRICT_OVERLOAD = "district_overload"
    SUBSURFACE_MISFIT = "subsurface_misfit"


_LABELS: dict[str, str] = {
    # organisation kinds
    "municipality": "gemeente",
    "grid_operator": "netbeheerder",
    "water_company": "waterbedrijf",
    "telecom": "telecom",
    "heat_company": "warmtebedrijf",
    "water_board": "waterschap",
    "housing_corporation": "woningcorporatie",
    "other": "overig",
    # disciplines
    "sewer": "riolering",
    "road": "wegen",
    "water": "drinkwater",
    "gas": "gas",
    "electricity_lv": "elektriciteit laagspanning",
    "electricity_mv": "elektriciteit middenspanning",
    "fibre": "glasvezel",
    "heat": "warmte",
    "green": "groen",
    "lighting": "openbare verlichting",
    "water_storage": "waterberging",
    "charging": "laadinfrastructuur",
    # work kinds
    "replace": "vervangen",
    "renovate": "renoveren",
    "reline": "relinen",
    "resurface": "herasfalteren",
    "reconstruct": "reconstrueren",
    "construct": "aanleggen",
    "remove": "verwijderen",
    "maintain": "onderhouden",
    # statuses
    "idea": "idee",
    "planned": "gepland",
    "committed": "vastgesteld",
    "in_progress": "in uitvoering",
    "done": "gereed",
    "cancelled": "vervallen",
    # phases
    "initiatief": "initiatief",
    "psu": "projectstartup (PSU)",
    "pve": "nota van uitgangspunten / programma van eisen",
    "do": "definitief ontwerp",
    "bestek": "bestek en planning",
    "realisatie": "realisatie",
    "beheer": "beheer",
    # project types (beheer shares its code with the phase and means the same word)
    "transitie": "transitiegedreven",
    "ontwikkeling": "ontwikkelingsgedreven",
    "herstructurering": "herstructurering",
    "wijkgericht": "wijkgericht",
    # task themes
    "energy_transition": "energietransitie",
    "climate_adaptation": "klimaatadaptatie",
    "social": "sociaal domein",
    "mobility": "mobiliteit",
    "biodiversity": "biodiversiteit",
    "circularity": "circulariteit",
    # area levels
    "gemeente": "gemeente",
    "wijk": "wijk",
    "buurt": "buurt",
    # couplings and conflicts
    "koppelkans": "koppelkans",
    "meekoppelkans": "meekoppelkans",
    "afstemming": "afstemming",
    "repeated_opening": "herhaald openbreken",
    "capital_destruction": "kapitaalvernietiging",
    "dig_free_violation": "graafvrije periode geschonden",
    "district_overload": "te veel werken tegelijk in de wijk",
    "subsurface_misfit": "past niet in de ondergrond",
}
