"""The controlled vocabularies of PRODUCT.md §5: lower-case codes in data, Dutch labels in the UI."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "DECIDED_COUPLING_STATUSES",
    "TRENCHLESS_WORK_KINDS",
    "AreaLevel",
    "ConflictKind",
    "CouplingKind",
    "CouplingStatus",
    "Discipline",
    "GateOutcome",
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

    def label_in(self, language: str) -> str:
        """The label in a UI language: Dutch (`label`) or English (`en`), for reports in either language."""
        if language != "en":
            return self.label
        return _LABELS_EN.get(f"{type(self).__name__}.{self.value}") or _LABELS_EN.get(self.value, self.value)


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


EXECUTED_STATUSES = frozenset({WorkStatus.IN_PROGRESS, WorkStatus.DONE})
"""Statuses of a work whose execution has started: only these carry an `actual_start`; `actual_cost` only `done`."""


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


class CouplingStatus(Vocabulary):
    """Where a project stands on a coupling (PRODUCT.md C3). K9 records decisions (accepted / declined, with
    a reason); the coupling workflow (K11) adds the steps before and after them."""

    PROPOSED = "proposed"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REALISED = "realised"


DECIDED_COUPLING_STATUSES = frozenset({CouplingStatus.ACCEPTED, CouplingStatus.DECLINED, CouplingStatus.REALISED})
"""Statuses in which a coupling counts as decided at a gate."""


class GateOutcome(Vocabulary):
    """What happened to a project at a gate (the phase log): started, passed, passed by override, reopened."""

    STARTED = "started"
    PASSED = "passed"
    OVERRIDDEN = "overridden"
    REOPENED = "reopened"


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
    # coupling statuses (C3) and gate outcomes (C1)
    "proposed": "voorgesteld",
    "under_review": "in behandeling",
    "accepted": "aanvaard",
    "declined": "afgewezen",
    "realised": "gerealiseerd",
    "started": "gestart",
    "passed": "gepasseerd",
    "overridden": "gepasseerd met afwijking",
    "reopened": "heropend",
}

_LABELS_EN: dict[str, str] = {
    # English labels for reports; `Vocabulary.code` keys where a code means different things in two vocabularies
    "municipality": "municipality",
    "grid_operator": "grid operator",
    "water_company": "water company",
    "telecom": "telecom",
    "heat_company": "heat company",
    "water_board": "water board",
    "housing_corporation": "housing corporation",
    "other": "other",
    "sewer": "sewer",
    "road": "roads",
    "water": "drinking water",
    "gas": "gas",
    "electricity_lv": "electricity low voltage",
    "electricity_mv": "electricity medium voltage",
    "fibre": "fibre",
    "heat": "heat",
    "green": "green and trees",
    "lighting": "street lighting",
    "water_storage": "water storage",
    "charging": "charging points",
    "replace": "replace",
    "renovate": "renovate",
    "reline": "reline",
    "resurface": "resurface",
    "reconstruct": "reconstruct",
    "construct": "construct",
    "remove": "remove",
    "maintain": "maintain",
    "idea": "idea",
    "planned": "planned",
    "committed": "committed",
    "in_progress": "in progress",
    "done": "done",
    "cancelled": "cancelled",
    "initiatief": "initiative",
    "psu": "project start-up (PSU)",
    "pve": "principles / programme of requirements (NvU/PvE)",
    "do": "final design",
    "bestek": "specification and planning",
    "realisatie": "realisation",
    "beheer": "management",
    "ProjectType.beheer": "management-driven",
    "transitie": "transition-driven",
    "ontwikkeling": "development-driven",
    "herstructurering": "restructuring",
    "wijkgericht": "neighbourhood-oriented",
    "energy_transition": "energy transition",
    "climate_adaptation": "climate adaptation",
    "social": "social domain",
    "mobility": "mobility",
    "biodiversity": "biodiversity",
    "circularity": "circularity",
    "gemeente": "municipality",
    "wijk": "district",
    "buurt": "neighbourhood",
    "koppelkans": "scope coupling (koppelkans)",
    "meekoppelkans": "combined works (meekoppelkans)",
    "afstemming": "alignment (afstemming)",
    "repeated_opening": "street opened repeatedly",
    "capital_destruction": "capital destruction",
    "dig_free_violation": "dig-free period violated",
    "district_overload": "too many works at once in the neighbourhood",
    "subsurface_misfit": "does not fit underground",
    "proposed": "proposed",
    "under_review": "under review",
    "accepted": "accepted",
    "declined": "declined",
    "realised": "realised",
    "started": "started",
    "passed": "passed",
    "overridden": "passed by override",
    "reopened": "reopened",
}
