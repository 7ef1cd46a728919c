"""The uniform way of working (PRODUCT.md C1) as data: the phases every partner uses, the gate that
closes each one, what to settle before it, who takes part, and which couplings can still be decided.

The rule that makes integration happen early: a coupling can only be decided while its kind still fits
the project. A koppelkans (broader scope) must be in or out before the programme of requirements is
fixed; a meekoppelkans (one trench, one repaving) before the specification; an afstemming (one
communication and traffic plan) before the works are delivered. See `LAST_CHANCE` and `koppelkans.brief.gates`.
"""

from __future__ import annotations

from dataclasses import dataclass

from koppelkans.brief.i18n import Text
from koppelkans.domain.vocabulary import CouplingKind, Phase

__all__ = ["LAST_CHANCE", "PHASES", "PhaseSpec", "phase_spec", "phases_passed"]


@dataclass(frozen=True, kw_only=True)
class PhaseSpec:
    """One phase: its gate (the decision that closes it), its questions and checklist, roles, decidable couplings."""

    phase: Phase
    gate: Text
    """The decision taken at the end of the phase, to pass to the next one."""
    questions: tuple[Text, ...]
    checklist: tuple[Text, ...]
    roles: tuple[str, ...]
    """Role codes (see `koppelkans.brief.roles.ROLES`) that take part in the phase."""
    decidable: tuple[CouplingKind, ...]
    """Coupling kinds that can still be decided in this phase."""

    @property
    def last_chance_for(self) -> tuple[CouplingKind, ...]:
        """Coupling kinds whose last chance is this phase's gate."""
        return tuple(kind for kind, phase in LAST_CHANCE.items() if phase == self.phase)


LAST_CHANCE: dict[CouplingKind, Phase] = {
    CouplingKind.KOPPELKANS: Phase.PVE,
    CouplingKind.MEEKOPPELKANS: Phase.BESTEK,
    CouplingKind.AFSTEMMING: Phase.REALISATIE,
}
"""The last phase in which a coupling of each kind can be decided (PRODUCT.md glossary)."""

_ALL = (CouplingKind.KOPPELKANS, CouplingKind.MEEKOPPELKANS, CouplingKind.AFSTEMMING)

PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec(
        phase=Phase.INITIATIEF,
        gate=Text("Startbeslissing: er is aanleiding voor een project", "Start decision: there is reason for a "
                  "project"),
        questions=(
            Text("Wat is de aanleiding: beheer, een opgave, een ontwikkeling?", "What is the reason: management, a "
                 "task, a development?"),
            Text("Welke werken, opgaven en knelpunten liggen in en om het gebied?", "Which works, tasks and "
                 "constraints lie in and around the area?"),
            Text("Wie trekt het project?", "Who leads the project?"),
        ),
        checklist=(
            Text("Omgevingsanalyse gemaakt (projectopdracht met omgevingsanalyse)", "Environment analysis made "
                 "(project brief with environment analysis)"),
            Text("Partijen met werken, assets of opgaven in het gebied geïnformeerd", "Parties with works, assets or "
                 "tasks in the area informed"),
            Text("Projecttype en trekkende partij benoemd", "Project type and leading party named"),
        ),
        roles=("opdrachtgever", "programmeur", "projectleider"),
        decidable=_ALL,
    ),
    PhaseSpec(
        phase=Phase.PSU,
        gate=Text("Projectopdracht vastgesteld", "Project assignment adopted"),
        questions=(
            Text("De zes vragen van de opdracht: leidende opgave, prioriteiten, sturing, kaders, fysiek–sociaal, "
                 "participatie", "The six questions of the assignment: leading task, priorities, steering, "
                 "frameworks, physical–social, participation"),
            Text("Welke koppelkansen verkennen we met welke partij?", "Which couplings do we explore with which "
                 "party?"),
        ),
        checklist=(
            Text("Zes vragen beantwoord en gedeeld met alle partijen", "Six questions answered and shared with "
                 "every party"),
            Text("Koppelkansen verkend; indicatieve budgetten per partij", "Couplings explored; indicative budgets "
                 "per party"),
            Text("Rollen in het projectteam belegd", "Roles in the project team filled"),
        ),
        roles=("opdrachtgever", "projectleider", "omgevingsmanager", "kostendeskundige"),
        decidable=_ALL,
    ),
    PhaseSpec(
        phase=Phase.PVE,
        gate=Text("Programma van eisen vastgesteld: de scope ligt vast", "Programme of requirements adopted: the "
                  "scope is fixed"),
        questions=(
            Text("Welke eisen stellen de opgaven (warmte, klimaat, sociaal)?", "Which requirements do the tasks set "
                 "(heat, climate, social)?"),
            Text("Welke koppelkansen horen in de scope, welke niet en waarom?", "Which couplings belong in the "
                 "scope, which do not, and why?"),
            Text("Hoe verdelen de partijen kosten en baten?", "How do the parties split costs and benefits?"),
        ),
        checklist=(
            Text("Elke koppelkans besloten (in of uit de scope, met reden)", "Every koppelkans decided (in or out of "
                 "scope, with a reason)"),
            Text("Kosten-batenverdeling tussen partijen vastgelegd", "Cost/benefit split between the parties "
                 "recorded"),
            Text("Ondergrondse ruimte gecheckt voor nieuwe netten (dwarsprofiel)", "Underground space checked for "
                 "new networks (cross-section)"),
        ),
        roles=("opdrachtgever", "projectleider", "technisch_manager", "kostendeskundige", "kabels_leidingen"),
        decidable=_ALL,
    ),
    PhaseSpec(
        phase=Phase.DO,
        gate=Text("Definitief ontwerp vastgesteld", "Final design adopted"),
        questions=(
            Text("Passen alle kabels, leidingen en bomen in het dwarsprofiel (NEN 7171-1, CROW 280)?", "Do all "
                 "cables, pipes and trees fit in the cross-section (NEN 7171-1, CROW 280)?"),
            Text("Zijn de uitkomsten van de participatie verwerkt?", "Have the outcomes of participation been taken "
                 "in?"),
        ),
        checklist=(
            Text("Dwarsprofielen afgestemd met elke netbeheerder", "Cross-sections agreed with every network "
                 "operator"),
            Text("Ontwerp getoetst aan graafvrije periodes", "Design checked against dig-free periods"),
            Text("Participatie-uitkomsten verwerkt en teruggekoppeld", "Participation outcomes taken in and "
                 "reported back"),
        ),
        roles=("projectleider", "technisch_manager", "kabels_leidingen", "omgevingsmanager"),
        decidable=(CouplingKind.MEEKOPPELKANS, CouplingKind.AFSTEMMING),
    ),
    PhaseSpec(
        phase=Phase.BESTEK,
        gate=Text("Bestek en uitvoeringsplanning vastgesteld", "Specification and execution planning adopted"),
        questions=(
            Text("Eén sleuf en één bestek, of gecoördineerde planning?", "One trench and one specification, or a "
                 "coordinated schedule?"),
            Text("In welke volgorde (riool vóór kabels vóór verharding)?", "In which order (sewer before cables "
                 "before paving)?"),
        ),
        checklist=(
            Text("Elke meekoppelkans besloten (samen uitvoeren of niet, met reden)", "Every meekoppelkans decided "
                 "(executed together or not, with a reason)"),
            Text("Fasering, bereikbaarheid en verkeersplan", "Phasing, accessibility and traffic plan"),
            Text("Graafvrije periode na oplevering vastgelegd", "Dig-free period after delivery recorded"),
        ),
        roles=("projectleider", "contractmanager", "werkvoorbereider", "verkeerskundige"),
        decidable=(CouplingKind.MEEKOPPELKANS, CouplingKind.AFSTEMMING),
    ),
    PhaseSpec(
        phase=Phase.REALISATIE,
        gate=Text("Oplevering en overdracht aan beheer", "Delivery and hand-over to management"),
        questions=(
            Text("Communiceren alle partijen als één project met de omgeving?", "Do all parties speak to the "
                 "neighbourhood as one project?"),
        ),
        checklist=(
            Text("Elke afstemming besloten (één communicatie- en verkeersplan, of niet)", "Every afstemming decided "
                 "(one communication and traffic plan, or not)"),
            Text("Revisiegegevens (as-built) in het register", "As-built data in the register"),
            Text("Graafvrije periode ingeschreven", "Dig-free period registered"),
        ),
        roles=("projectleider", "contractmanager", "omgevingsmanager"),
        decidable=(CouplingKind.AFSTEMMING,),
    ),
    PhaseSpec(
        phase=Phase.BEHEER,
        gate=Text("Evaluatie: wat leverden de koppelingen op?", "Evaluation: what did the couplings deliver?"),
        questions=(
            Text("Welke koppelingen zijn gerealiseerd en wat bespaarden ze?", "Which couplings were realised and "
                 "what did they save?"),
        ),
        checklist=(
            Text("Gerealiseerde koppelingen en besparingen vastgelegd (KPI's)", "Realised couplings and savings "
                 "recorded (KPIs)"),
        ),
        roles=("opdrachtgever", "programmeur"),
        decidable=(),
    ),
)  # fmt: skip
"""The phases in order: initiatief → PSU → NvU/PvE → DO → bestek & planning → realisatie → beheer."""

_BY_PHASE = {spec.phase: spec for spec in PHASES}
_ORDER = {spec.phase: position for position, spec in enumerate(PHASES)}


def phase_spec(phase: Phase | str) -> PhaseSpec:
    """The spec of a phase by code."""
    return _BY_PHASE[Phase(phase)]


def phases_passed(current: Phase | str, target: Phase | str) -> tuple[PhaseSpec, ...]:
    """The phases whose gates a project passes moving from `current` to a later `target` (empty when not later)."""
    start, end = _ORDER[Phase(current)], _ORDER[Phase(target)]
    return PHASES[start:end]


def position_of(phase: Phase | str) -> int:
    """Where a phase lies in the order (0 = initiatief)."""
    return _ORDER[Phase(phase)]
