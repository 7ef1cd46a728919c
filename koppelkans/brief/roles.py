"""Role and competency profiles for a project team, and which of them a project needs (PRODUCT.md C2).

The base team follows the project type (a management-driven project is led by the asset owner's
technical project leader, a neighbourhood-oriented one needs an area director and participation);
specialists follow what lies in the area: the disciplines of the works and networks, and the themes
of the area tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from koppelkans.brief.i18n import Text, label
from koppelkans.domain.vocabulary import Discipline, ProjectType, TaskTheme

__all__ = ["ROLES", "RoleProfile", "SuggestedRole", "roles_for"]


@dataclass(frozen=True, kw_only=True)
class RoleProfile:
    """A role in a project team: what it answers for and what it takes."""

    code: str
    title: Text
    responsibility: Text
    competencies: tuple[Text, ...]


@dataclass(frozen=True, kw_only=True)
class SuggestedRole:
    """A role the project should fill, and why the data suggests it."""

    role: RoleProfile
    why: Text


def _role(code: str, title: Text, responsibility: Text, *competencies: Text) -> RoleProfile:
    return RoleProfile(code=code, title=title, responsibility=responsibility, competencies=competencies)


ROLES: dict[str, RoleProfile] = {
    r.code: r
    for r in (
        _role("opdrachtgever", Text("Opdrachtgever", "Sponsor"),
              Text("Stelt de projectopdracht vast en neemt de gatebesluiten", "Adopts the assignment and takes the "
                   "gate decisions"),
              Text("bestuurlijke sensitiviteit", "political sensitivity"),
              Text("integraal afwegen tussen domeinen", "weighing across domains"),
              Text("besluitvaardigheid", "decisiveness")),
        _role("programmeur", Text("Programmeur (stedelijk programmeren)", "Programme manager"),
              Text("Bewaakt de samenhang met het werkenplan en de budgetten", "Keeps the project in line with the "
                   "works plan and the budgets"),
              Text("meerjarige planning en financiën", "multi-year planning and finance"),
              Text("overzicht over alle partijen", "overview of every party")),
        _role("projectleider", Text("Integraal projectleider", "Integral project leader"),
              Text("Leidt het project door de fasen, over partijen en domeinen heen", "Leads the project through the "
                   "phases, across parties and domains"),
              Text("verbinden van fysieke en sociale opgaven", "connecting physical and social tasks"),
              Text("sturen op scope, tijd en geld", "steering on scope, time and money"),
              Text("onderhandelen met netbeheerders en corporaties", "negotiating with network operators and "
                   "housing corporations")),
        _role("omgevingsmanager", Text("Omgevingsmanager", "Stakeholder manager"),
              Text("Betrekt bewoners, ondernemers en partijen; één communicatie", "Involves residents, businesses and "
                   "parties; one voice to the neighbourhood"),
              Text("stakeholderanalyse", "stakeholder analysis"),
              Text("communicatie en hinderbeperking", "communication and nuisance reduction")),
        _role("technisch_manager", Text("Technisch manager / ontwerper", "Technical manager / designer"),
              Text("Integreert de eisen van alle disciplines in één ontwerp", "Integrates every discipline's "
                   "requirements into one design"),
              Text("civiele techniek (riool, wegen)", "civil engineering (sewer, roads)"),
              Text("integraal ontwerpen", "integrated design")),
        _role("kabels_leidingen", Text("Coördinator kabels en leidingen", "Cables and pipes coordinator"),
              Text("Regelt KLIC, het dwarsprofiel (NEN 7171-1) en de verlegging van netten", "Handles KLIC, the "
                   "cross-section (NEN 7171-1) and moving networks"),
              Text("kennis van NEN 7171-1 en CROW 280", "knowledge of NEN 7171-1 and CROW 280"),
              Text("afstemming met netbeheerders", "coordination with network operators")),
        _role("kostendeskundige", Text("Kostendeskundige", "Cost engineer"),
              Text("Raamt kosten en verdeelt kosten en baten tussen partijen", "Estimates costs and splits costs and "
                   "benefits between parties"),
              Text("kostenramingen (SSK)", "cost estimates (SSK)"),
              Text("verdeelsleutels voor gedeelde kosten", "allocation keys for shared costs")),
        _role("contractmanager", Text("Contractmanager", "Contract manager"),
              Text("Bestek, aanbesteding en toezicht", "Specification, tendering and supervision"),
              Text("contractvormen (RAW, UAV-GC)", "contract forms (RAW, UAV-GC)")),
        _role("werkvoorbereider", Text("Werkvoorbereider / planner", "Works planner"),
              Text("Fasering, volgorde en uitvoeringsplanning van alle partijen", "Phasing, order and execution "
                   "schedule of every party"),
              Text("planning over partijen heen", "scheduling across parties")),
        _role("verkeerskundige", Text("Verkeerskundige", "Traffic engineer"),
              Text("Bereikbaarheid en verkeersmaatregelen tijdens de uitvoering", "Accessibility and traffic "
                   "measures during the works"),
              Text("tijdelijke verkeersmaatregelen", "temporary traffic measures")),
        _role("procesregisseur_warmte", Text("Procesregisseur energietransitie", "Energy transition coordinator"),
              Text("Verbindt het project met de Transitievisie Warmte en het warmtebedrijf", "Connects the project to "
                   "the heat transition vision and the heat company"),
              Text("warmtestrategieën en netcapaciteit", "heat strategies and grid capacity"),
              Text("bewonerstraject aardgasvrij", "gas-free resident engagement")),
        _role("adviseur_klimaat", Text("Adviseur klimaatadaptatie", "Climate adaptation adviser"),
              Text("Brengt de stresstest en waterbergingseisen in", "Brings in the stress test and water storage "
                   "requirements"),
              Text("hemelwaterberging en hittestress", "rainwater storage and heat stress")),
        _role("adviseur_groen", Text("Adviseur groen en ecologie", "Green and ecology adviser"),
              Text("Bomen, wortelruimte en biodiversiteit in het ontwerp", "Trees, root space and biodiversity in "
                   "the design"),
              Text("boomtechniek (CROW 280)", "arboriculture (CROW 280)")),
        _role("gebiedsregisseur", Text("Gebiedsregisseur sociaal domein", "Area director, social domain"),
              Text("Verbindt het project met de wijkaanpak en het sociaal domein", "Connects the project with the "
                   "neighbourhood approach and the social domain"),
              Text("kennis van de wijk en haar netwerken", "knowledge of the neighbourhood and its networks"),
              Text("verbinden van fysiek en sociaal", "connecting physical and social")),
        _role("participatieadviseur", Text("Participatieadviseur", "Participation adviser"),
              Text("Ontwerpt en begeleidt de participatie", "Designs and runs participation"),
              Text("participatievormen (informeren tot co-creëren)", "participation forms (inform to co-create)")),
    )
}  # fmt: skip
"""Every role the brief can suggest, by code."""

_BASE: dict[str, tuple[str, ...]] = {
    "beheer": ("opdrachtgever", "projectleider", "technisch_manager", "omgevingsmanager", "werkvoorbereider"),
    "transitie": ("opdrachtgever", "projectleider", "procesregisseur_warmte", "kabels_leidingen", "omgevingsmanager"),
    "ontwikkeling": ("opdrachtgever", "projectleider", "technisch_manager", "kostendeskundige", "omgevingsmanager"),
    "herstructurering": ("opdrachtgever", "projectleider", "gebiedsregisseur", "kostendeskundige", "omgevingsmanager"),
    "wijkgericht": ("opdrachtgever", "projectleider", "gebiedsregisseur", "participatieadviseur", "omgevingsmanager"),
}
_BY_DISCIPLINE: dict[str, str] = {
    "gas": "kabels_leidingen",
    "water": "kabels_leidingen",
    "electricity_lv": "kabels_leidingen",
    "electricity_mv": "kabels_leidingen",
    "telecom": "kabels_leidingen",
    "fibre": "kabels_leidingen",
    "heat": "procesregisseur_warmte",
    "green": "adviseur_groen",
    "water_storage": "adviseur_klimaat",
    "road": "verkeerskundige",
}
_BY_THEME: dict[str, str] = {
    "energy_transition": "procesregisseur_warmte",
    "climate_adaptation": "adviseur_klimaat",
    "biodiversity": "adviseur_groen",
    "social": "gebiedsregisseur",
    "mobility": "verkeerskundige",
}


def roles_for(project_type: str, *, disciplines: Iterable[str] = (), themes: Iterable[str] = ()) -> list[SuggestedRole]:
    """The team a project of this type needs, plus the specialists its disciplines and its area's tasks ask for."""
    chosen: dict[str, Text] = {}
    core = Text(
        f"basisteam van een project van het type {label(ProjectType, project_type, 'nl')}",
        f"core team of a {label(ProjectType, project_type, 'en')} project",
    )
    for code in _BASE.get(project_type, _BASE["beheer"]):
        chosen.setdefault(code, core)
    for discipline in sorted(set(disciplines)):
        code = _BY_DISCIPLINE.get(discipline)
        if code is not None:
            chosen.setdefault(
                code,
                Text(
                    f"werken of netten in het gebied: {label(Discipline, discipline, 'nl')}",
                    f"works or networks in the area: {label(Discipline, discipline, 'en')}",
                ),
            )
    for theme in sorted(set(themes)):
        code = _BY_THEME.get(theme)
        if code is not None:
            chosen.setdefault(
                code,
                Text(
                    f"opgave in het gebied: {label(TaskTheme, theme, 'nl')}",
                    f"area task: {label(TaskTheme, theme, 'en')}",
                ),
            )
    return [SuggestedRole(role=ROLES[code], why=why) for code, why in chosen.items()]
