"""The words of the brief and the area anatomy in Dutch (the default) and English."""

from __future__ import annotations

from typing import NamedTuple

from koppelkans.domain.vocabulary import Vocabulary

__all__ = ["LANGUAGES", "Text", "check_language", "label", "words"]

LANGUAGES = ("nl", "en")


class Text(NamedTuple):
    """One text in both languages."""

    nl: str
    en: str

    def in_(self, language: str) -> str:
        return self.en if language == "en" else self.nl


def check_language(language: str) -> str:
    """The language, or an InputError naming the field."""
    from koppelkans.errors import InputError

    if language not in LANGUAGES:
        raise InputError(f"unknown language {language!r}; expected nl or en", field="lang")
    return language


def label(vocabulary: type[Vocabulary], code: str | None, language: str) -> str:
    """The label of a code in a vocabulary, in the language ('—' for none, the code itself when unknown)."""
    if code is None or code == "":
        return "—"
    try:
        return vocabulary(code).label_in(language)
    except ValueError:
        return str(code)


def words(language: str) -> dict[str, str]:
    """Every fixed text of the reports in one language (what the templates call `t`)."""
    return {key: text.in_(language) for key, text in _WORDS.items()}


_WORDS: dict[str, Text] = {
    # the brief
    "brief_title": Text("Projectopdracht met omgevingsanalyse", "Project brief with environment analysis"),
    "generated": Text("Opgesteld", "Generated"),
    "horizon": Text("horizon", "horizon"),
    "zone": Text("omgeving", "surroundings"),
    "phase": Text("Fase", "Phase"),
    "subject_work": Text("werk", "work"),
    "subject_project": Text("project", "project"),
    "subject_area": Text("gebied", "area"),
    "subject_geometry": Text("getekend gebied", "drawn area"),
    "h_project": Text("Het project", "The project"),
    "project_type": Text("Projecttype", "Project type"),
    "leading_party": Text("Trekkende partij", "Leading party"),
    "fact_works": Text("werken in het project", "works in the project"),
    "fact_cost": Text("kosten van die werken", "cost of those works"),
    "fact_works_around": Text("werken in de omgeving", "works around"),
    "fact_due": Text("assets aan vervanging toe", "assets due for renewal"),
    "fact_couplings": Text("koppelkansen · besparing", "couplings · saving"),
    "fact_conflicts": Text("conflicten", "conflicts"),
    "map_alt": Text("Kaart van het project en zijn omgeving", "Map of the project and its surroundings"),
    "map_caption": Text(
        "Het project (donker), de omgeving (gestippeld), werken per discipline, assets aan vervanging toe "
        "(rood gestippeld), opgaven (gearceerd) en conflicten (roze). Bron: het register; geen achtergrondkaart.",
        "The project (dark), its surroundings (dashed), works by discipline, assets due for renewal (red dashes), "
        "area tasks (shaded) and conflicts (pink). Source: the register; no background map.",
    ),
    "h_environment": Text("Omgevingsanalyse", "Environment analysis"),
    "environment_intro": Text(
        "Alles wat in en rond het projectgebied speelt: elk werk, elke asset die binnen de horizon aan vervanging "
        "toe is, elke opgave en elk conflict binnen de omgeving, met de partijen die vroeg aan tafel horen.",
        "Everything in and around the project area: every work, every asset due for renewal within the horizon, "
        "every area task and every conflict within the surroundings, and the parties to involve early.",
    ),
    "h_works": Text("Werken", "Works"),
    "h_due": Text("Assets aan vervanging toe", "Assets due for renewal"),
    "h_tasks": Text("Opgaven", "Area tasks"),
    "h_conflicts": Text("Conflicten", "Conflicts"),
    "h_subsurface": Text("Ondergrondse ruimte", "Underground space"),
    "subsurface_intro": Text(
        "Past een nieuw net onder de straten van het project (dwarsprofiel volgens NEN 7171-1, bomen CROW 280)?",
        "Does a new network fit under the project's streets (cross-section by NEN 7171-1, trees CROW 280)?",
    ),
    "h_stakeholders": Text("Partijen om vroeg te betrekken", "Parties to involve early"),
    "h_couplings": Text("Koppelkansen om over te besluiten", "Couplings to decide on"),
    "couplings_intro": Text(
        "Elke koppelkans heeft een laatste moment: een koppelkans (scope) uiterlijk bij de gate van NvU/PvE, een "
        "meekoppelkans (één sleuf) bij bestek en planning, een afstemming bij de realisatie.",
        "Every coupling has a last moment: a koppelkans (scope) at the latest at the NvU/PvE gate, a "
        "meekoppelkans (one trench) at specification and planning, an afstemming at realisation.",
    ),
    "timeline_alt": Text("Tijdlijn van werken en opgaven", "Timeline of works and tasks"),
    "timeline_caption": Text(
        "Werken van het project (vet) en in de omgeving: venster licht, voorkeursjaar en duur donker; "
        "opgaven op hun doeljaar; onderaan het aantal assets dat per jaar aan vervanging toe is.",
        "Works of the project (bold) and around it: window light, preferred year and duration dark; tasks on "
        "their target year; at the bottom the number of assets due per year.",
    ),
    "h_questions": Text("De zes vragen van de opdracht", "The six questions of the assignment"),
    "questions_intro": Text(
        "Vooringevuld met wat de data suggereert; open waar de data niets zegt. Te bespreken en vast te leggen "
        "in de projectopdracht (PSU).",
        "Pre-filled with what the data suggests; open where it says nothing. To discuss and settle in the "
        "assignment (PSU).",
    ),
    "open": Text("open", "open"),
    "suggested": Text("suggestie uit de data", "suggested by the data"),
    "h_roles": Text("Projectteam: rollen en competenties", "Project team: roles and competencies"),
    "role": Text("Rol", "Role"),
    "responsibility": Text("Verantwoordelijk voor", "Responsible for"),
    "competencies": Text("Competenties", "Competencies"),
    "why": Text("Waarom", "Why"),
    "h_phases": Text("Werkwijze: fasen en gates", "Way of working: phases and gates"),
    "phases_intro": Text(
        "De uniforme werkwijze van alle partners. Een gate wordt geweigerd zolang koppelkansen waarvoor het de "
        "laatste kans is onbesloten zijn (afwijken kan alleen met een reden, die wordt vastgelegd).",
        "The uniform way of working of all partners. A gate is refused while couplings whose last chance it is "
        "are undecided (overriding needs a reason, which is recorded).",
    ),
    "gate": Text("Gate (besluit)", "Gate (decision)"),
    "checklist": Text("Afvinklijst", "Checklist"),
    "decidable": Text("Nog te besluiten", "Still decidable"),
    "last_chance": Text("laatste kans", "last chance"),
    "now": Text("nu", "now"),
    "footer": Text(
        "Opgesteld door Koppelkans uit het gedeelde register. Cijfers zijn ramingen; de omgeving is een "
        "ruimtelijke selectie rond de geometrie van het project.",
        "Generated by Koppelkans from the shared register. Figures are estimates; the surroundings are a "
        "spatial selection around the project's geometry.",
    ),
    # table heads
    "work": Text("Werk", "Work"),
    "task": Text("Opgave", "Task"),
    "asset": Text("Asset", "Asset"),
    "title": Text("Titel", "Title"),
    "organisation": Text("Organisatie", "Organisation"),
    "discipline": Text("Discipline", "Discipline"),
    "kind": Text("Soort", "Kind"),
    "window": Text("Venster (voorkeur)", "Window (preferred)"),
    "status": Text("Status", "Status"),
    "cost": Text("Kosten", "Cost"),
    "distance": Text("Afstand (m)", "Distance (m)"),
    "distance_short": Text("Afst. (m)", "Dist. (m)"),
    "phase_status": Text("Fase, status", "Phase, status"),
    "what": Text("Wat", "What"),
    "installed": Text("Aanleg", "Installed"),
    "condition": Text("Conditie", "Condition"),
    "due_year": Text("Vervangjaar", "Due year"),
    "renewed_by": Text("Vervangen door", "Renewed by"),
    "no_work": Text("geen werk", "no work"),
    "theme": Text("Thema", "Theme"),
    "target_year": Text("Doeljaar", "Target year"),
    "area": Text("Gebied", "Area"),
    "intensity": Text("Intensiteit", "Intensity"),
    "description": Text("Omschrijving", "Description"),
    "conflict": Text("Conflict", "Conflict"),
    "type": Text("Type", "Type"),
    "years": Text("Jaren", "Years"),
    "explanation": Text("Toelichting", "Explanation"),
    "street": Text("Straat", "Street"),
    "claim": Text("Claim", "Claim"),
    "verdict": Text("Oordeel", "Verdict"),
    "verdict_fits": Text("past", "fits"),
    "verdict_fits_if_moved": Text("past na verleggen", "fits if moved"),
    "verdict_does_not_fit": Text("past niet", "does not fit"),
    "free_width": Text("Vrije breedte (m)", "Free width (m)"),
    "misfit": Text("Past niet over (m)", "Misfit (m)"),
    "move_cost": Text("Verlegkosten", "Move cost"),
    "trees_close": Text("Bomen te dichtbij", "Trees too close"),
    "no_streets": Text("Geen straten gevonden onder het project.", "No streets found under the project."),
    "party": Text("Partij", "Party"),
    "kind_of_party": Text("Soort", "Kind"),
    "why_early": Text("Waarom vroeg betrekken", "Why involve early"),
    "leads": Text("trekker", "leads"),
    "residents_kind": Text("omgeving", "neighbourhood"),
    "coupling": Text("Koppelkans", "Coupling"),
    "members": Text("Wat samen kan", "What can go together"),
    "saving": Text("Besparing", "Saving"),
    "decide_by": Text("Besluiten uiterlijk in", "Decide by"),
    "decision": Text("Besluit", "Decision"),
    "undecided": Text("nog te besluiten", "undecided"),
    "none": Text("Geen.", "None."),
    "and_more": Text(
        "en nog %d (volledig in de Markdown- en JSON-uitvoer)", "and %d more (all in the Markdown and JSON output)"
    ),
    # the anatomy
    "anatomy_title": Text("Gebiedsanatomie", "Area anatomy"),
    "anatomy_intro": Text(
        "Per buurt de fysieke, sociale en technische laag, nu en gewenst, en een tijdlijn van alle opgaven en "
        "werken met hun budgetten. 'Gewenst' komt uit de geregistreerde opgaven en hun doeljaren; waar niets is "
        "geregistreerd blijft het leeg.",
        "Per neighbourhood the physical, social and technical layer, now and desired, and a timeline of all "
        "tasks and works with their budgets. 'Desired' comes from the registered area tasks and their target "
        "years; where nothing is registered it stays empty.",
    ),
    "buurten": Text("buurten", "neighbourhoods"),
    "buurt": Text("Buurt", "Neighbourhood"),
    "h_overview": Text("Overzicht per buurt", "Overview per neighbourhood"),
    "inhabitants": Text("Inwoners", "Inhabitants"),
    "liveability": Text("Leefbaarheid (1–9)", "Liveability (1–9)"),
    "climate_stress": Text("Klimaatstress (1–5)", "Climate stress (1–5)"),
    "gas_free": Text("Aardgasvrij (TVW)", "Gas-free (TVW)"),
    "due_short": Text("Aan vervanging toe", "Due"),
    "heat_fits": Text("Straten waar het past", "Streets where it fits"),
    "fit_map_alt": Text("Kaart: aandeel straten waar de claim past", "Map: share of streets where the claim fits"),
    "fit_map_caption": Text(
        "Aandeel straten per buurt waar de claim (standaard een warmtenet) past zonder iets te verleggen.",
        "Share of streets per neighbourhood where the claim (by default a heat main) fits without moving anything.",
    ),
    "h_budget": Text("Budgetten per jaar", "Budgets per year"),
    "budget_alt": Text("Kosten per jaar en discipline", "Cost per year and discipline"),
    "budget_caption": Text(
        "Werken op hun voorkeursjaar (vol), vervanging van assets zonder werk op hun vervangjaar (gearceerd); "
        "ruiten: doeljaren van opgaven.",
        "Works at their preferred year (solid), renewal of assets without a work at their due year (hatched); "
        "diamonds: target years of tasks.",
    ),
    "year": Text("Jaar", "Year"),
    "works_cost": Text("Werken", "Works"),
    "due_cost": Text("Vervanging zonder werk", "Renewal without a work"),
    "total": Text("Totaal", "Total"),
    "h_neighbourhoods": Text("Lagen per buurt: nu en gewenst", "Layers per neighbourhood: now and desired"),
    "layer": Text("Laag", "Layer"),
    "indicator": Text("Indicator", "Indicator"),
    "now_col": Text("Nu", "Now"),
    "desired": Text("Gewenst", "Desired"),
    "physical": Text("Fysiek", "Physical"),
    "social": Text("Sociaal", "Social"),
    "technical": Text("Technisch", "Technical"),
    "network": Text("Net", "Network"),
    "objects": Text("Objecten", "Objects"),
    "median_year": Text("Mediaan aanleg", "Median installed"),
    "oldest": Text("Oudste", "Oldest"),
    "h_timeline": Text("Tijdlijn van opgaven en werken", "Timeline of tasks and works"),
    "anatomy_footer": Text(
        "Opgesteld door Koppelkans uit het gedeelde register: assets, werken en opgaven per buurt, de "
        "levensduurprognose (P50) en de ondergrondse inpassing.",
        "Generated by Koppelkans from the shared register: assets, works and tasks per neighbourhood, the "
        "lifecycle forecast (P50) and the subsurface fit.",
    ),
}
