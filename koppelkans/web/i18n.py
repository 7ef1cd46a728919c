"""The web application's words in Dutch (the default) and English: UI text, and the vocabulary labels.

Dutch vocabulary labels come from `domain.vocabulary` (one source); English labels live here because
only the UI needs them. A page's language comes from `?lang=`, then the `koppelkans_lang` cookie,
then the `language` setting.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request

from koppelkans.domain.vocabulary import (
    AreaLevel,
    ConflictKind,
    CouplingKind,
    CouplingStatus,
    Discipline,
    OrganisationKind,
    Phase,
    ProjectType,
    TaskTheme,
    Vocabulary,
    WorkKind,
    WorkStatus,
)

__all__ = ["LANGUAGES", "LANGUAGE_COOKIE", "Language", "language_of", "texts", "vocabulary_labels"]

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")
LANGUAGE_COOKIE = "koppelkans_lang"

VOCABULARIES: dict[str, type[Vocabulary]] = {
    "discipline": Discipline,
    "kind": WorkKind,
    "status": WorkStatus,
    "phase": Phase,
    "project_type": ProjectType,
    "theme": TaskTheme,
    "level": AreaLevel,
    "organisation_kind": OrganisationKind,
    "coupling_kind": CouplingKind,
    "conflict_kind": ConflictKind,
    "coupling_status": CouplingStatus,
}
"""Vocabulary name (as the pages use it) → the vocabulary."""


def vocabulary_labels(language: Language) -> dict[str, dict[str, str]]:
    """Per vocabulary, code → label in the language (both from the domain vocabulary, as the reports use them)."""
    return {
        name: {code: vocabulary(code).label_in(language) for code in vocabulary.codes()}
        for name, vocabulary in VOCABULARIES.items()
    }


def language_of(request: Request, default: str) -> Language:
    """The language a page is shown in: `?lang=`, the cookie, or the default setting."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), default):
        if value in LANGUAGES:
            return value  # type: ignore[return-value]
    return "nl"


_TEXTS: dict[str, tuple[str, str]] = {
    # (Dutch, English)
    "app_tagline": ("samen plannen in de openbare ruimte", "planning street works together"),
    "nav_map": ("Kaart", "Map"),
    "nav_couplings": ("Koppelkansen en conflicten", "Couplings and conflicts"),
    "nav_timeline": ("Tijdlijn", "Timeline"),
    "nav_works": ("Werkenregister", "Works register"),
    "nav_dashboard": ("Monitoring", "Monitoring"),
    "nav_subscriptions": ("Abonnementen", "Subscriptions"),
    "dashboard_title": ("Monitoring en evaluatie", "Monitoring and evaluation"),
    "dashboard_map": ("Openbrekingen per straatsegment in de periode", "Street openings per segment in the period"),
    "dashboard_report": ("Afdrukbaar rapport", "Printable report"),
    "dashboard_period": ("Periode", "Period"),
    "dashboard_apply": ("Toon", "Show"),
    "nav_main": ("Hoofdmenu", "Main menu"),
    "language": ("Taal", "Language"),
    "skip_to_content": ("Naar de inhoud", "Skip to content"),
    "year": ("Jaar", "Year"),
    "year_help": (
        "Toont de werken waarvan het startvenster dit jaar bevat en de objecten die uiterlijk dit jaar aan vervanging "
        "toe zijn.",
        "Shows the works whose start window contains this year and the assets due for renewal by this year.",
    ),
    "filters": ("Filters", "Filters"),
    "organisation": ("Organisatie", "Organisation"),
    "all_organisations": ("Alle organisaties", "All organisations"),
    "disciplines": ("Disciplines", "Disciplines"),
    "statuses": ("Status van werken", "Status of works"),
    "layers": ("Lagen", "Layers"),
    "layer_works": ("Werken", "Works"),
    "layer_due": ("Objecten aan vervanging toe", "Assets due for renewal"),
    "layer_assets": ("Objecten (kabels, leidingen, bomen)", "Assets (cables, pipes, trees)"),
    "layer_tasks": ("Opgaven", "Area tasks"),
    "layer_segments": ("Straten", "Streets"),
    "layer_areas": ("Wijk- en buurtgrenzen", "District and neighbourhood boundaries"),
    "one_work": ("Werk", "Work"),
    "one_asset": ("Object", "Asset"),
    "one_segment": ("Straatsegment", "Street segment"),
    "one_task": ("Opgave", "Area task"),
    "one_area": ("Gebied", "Area"),
    "legend": ("Legenda", "Legend"),
    "legend_due": ("Vervaljaar (P50)", "Due year (P50)"),
    "legend_due_now": ("nu of achterstallig", "now or overdue"),
    "legend_status": ("Status", "Status"),
    "legend_themes": ("Opgaven", "Area tasks"),
    "zoom_for_assets": (
        "Zoom in (tot straatniveau) om alle objecten te zien.",
        "Zoom in (to street level) to see every asset.",
    ),
    "no_forecast": (
        "Er is nog geen levensduurprognose opgeslagen: `koppelkans forecast` berekent de vervaljaren.",
        "No lifecycle forecast is stored yet: `koppelkans forecast` computes the due years.",
    ),
    "details": ("Details", "Details"),
    "close": ("Sluiten", "Close"),
    "panel_hint": (
        "Klik op een werk, object, straat of opgave op de kaart voor de gegevens en de koppelkansen.",
        "Click a work, asset, street or area task on the map for its details and couplings.",
    ),
    "couplings": ("Koppelkansen", "Couplings"),
    "conflicts": ("Conflicten", "Conflicts"),
    "none_found": ("Geen gevonden.", "None found."),
    "history": ("Geschiedenis", "History"),
    "escalated": ("geëscaleerd", "escalated"),
    "loading": ("Laden…", "Loading…"),
    "kind": ("Soort", "Kind"),
    "all_kinds": ("Alle soorten", "All kinds"),
    "area": ("Gebied", "Area"),
    "all_areas": ("Hele gemeente", "Whole municipality"),
    "sort": ("Sorteren", "Sort"),
    "sort_saving_desc": ("Besparing (hoog → laag)", "Saving (high → low)"),
    "sort_saving_asc": ("Besparing (laag → hoog)", "Saving (low → high)"),
    "sort_year": ("Eerste jaar", "First year"),
    "saving": ("Besparing", "Saving"),
    "openings_avoided": ("Openingen bespaard", "Openings avoided"),
    "nuisance_days_avoided": ("Hinderdagen bespaard", "Nuisance days avoided"),
    "years": ("Jaren", "Years"),
    "window": ("Venster", "Window"),
    "explanation": ("Toelichting", "Explanation"),
    "members": ("Betrokken", "Involved"),
    "show_on_map": ("Toon op kaart", "Show on map"),
    "shown": ("getoond", "shown"),
    "of": ("van", "of"),
    "previous": ("Vorige", "Previous"),
    "next": ("Volgende", "Next"),
    "totals": ("Totaal", "Total"),
    "recompute": ("Opnieuw berekenen", "Recompute"),
    "recompute_help": (
        "Zoekt de koppelkansen en conflicten opnieuw in het register (dit jaar + 15 jaar) en slaat ze op.",
        "Finds the couplings and conflicts in the register again (this year + 15 years) and stores them.",
    ),
    "type": ("Type", "Type"),
    "timeline_title": ("Tijdlijn per straat of buurt", "Timeline per street or neighbourhood"),
    "street": ("Straat", "Street"),
    "street_placeholder": ("bijv. Roomweg", "e.g. Roomweg"),
    "show": ("Toon", "Show"),
    "scenario": ("Planning", "Plan"),
    "sectoral": ("Sectoraal (ieder zijn voorkeursjaar)", "Sectoral (everyone's preferred year)"),
    "integrated": ("Integraal (gekozen door de optimalisatie)", "Integrated (chosen by the optimiser)"),
    "no_plan": (
        "Er is nog geen integraal plan opgeslagen. Draai `koppelkans plan` om de werken samen in te plannen; tot dan "
        "toont de tijdlijn ieders voorkeursjaar.",
        "No integrated plan is stored yet. Run `koppelkans plan` to schedule the works together; until then the "
        "timeline shows everyone's preferred year.",
    ),
    "plan_summary": ("Integraal plan", "Integrated plan"),
    "method": ("methode", "method"),
    "plan_year": ("Jaar in het plan", "Year in the plan"),
    "preferred_year": ("Voorkeursjaar", "Preferred year"),
    "start_window": ("Startvenster", "Start window"),
    "duration": ("Duur", "Duration"),
    "months": ("maanden", "months"),
    "project": ("Project", "Project"),
    "works_count": ("werken", "works"),
    "too_many_rows": (
        "Alleen de eerste {n} werken worden getoond; kies een kleiner gebied.",
        "Only the first {n} works are shown; choose a smaller area.",
    ),
    "choose_area": ("Kies een buurt, wijk of straat.", "Choose a neighbourhood, district or street."),
    "search": ("Zoeken", "Search"),
    "search_placeholder": ("titel, id of organisatie", "title, id or organisation"),
    "discipline": ("Discipline", "Discipline"),
    "status": ("Status", "Status"),
    "phase": ("Fase", "Phase"),
    "all": ("Alle", "All"),
    "title": ("Titel", "Title"),
    "id": ("Id", "Id"),
    "cost": ("Kosten", "Cost"),
    "edit": ("Bewerken", "Edit"),
    "new_work": ("Nieuw werk", "New work"),
    "edit_work": ("Werk bewerken", "Edit work"),
    "save": ("Opslaan", "Save"),
    "cancel": ("Annuleren", "Cancel"),
    "saved": ("Opgeslagen.", "Saved."),
    "work_id_help": ("Uniek per organisatie, bijv. ORG:W123.", "Unique per organisation, e.g. ORG:W123."),
    "earliest_start": ("Vroegste start", "Earliest start"),
    "latest_start": ("Laatste start", "Latest start"),
    "preferred_start": ("Voorkeursjaar start", "Preferred start"),
    "duration_months": ("Duur (maanden)", "Duration (months)"),
    "cost_eur": ("Kosten (€, excl. btw)", "Cost (€, excl. VAT)"),
    "project_type": ("Projecttype", "Project type"),
    "dig_free_years": ("Graafvrije periode (jaren)", "Dig-free period (years)"),
    "geometry": ("Ligging", "Location"),
    "geometry_help": (
        "Teken een lijn op de kaart (klik de punten, dan ‘Lijn afronden’) of kies straten (klik op de kaart of typ "
        "segment-ids).",
        "Draw a line on the map (click the points, then ‘Finish line’) or choose streets (click on the map or type "
        "segment ids).",
    ),
    "draw_line": ("Lijn tekenen", "Draw line"),
    "finish_line": ("Lijn afronden", "Finish line"),
    "select_segments": ("Straten kiezen", "Choose streets"),
    "clear_geometry": ("Wissen", "Clear"),
    "segment_ids": ("Segment-ids (gescheiden door komma’s)", "Segment ids (comma-separated)"),
    "no_geometry": ("Nog geen ligging gekozen.", "No location chosen yet."),
    "geometry_points": ("lijn met {n} punten", "line with {n} points"),
    "geometry_segments": ("{n} straatsegmenten", "{n} street segments"),
    "form_errors": ("Het werk is niet opgeslagen:", "The work was not saved:"),
    "required": ("verplicht", "required"),
    "optional_choice": ("— geen —", "— none —"),
    "attributes": ("Kenmerken", "Attributes"),
    "due_year": ("Vervaljaar (P50)", "Due year (P50)"),
    "target_year": ("Streefjaar", "Target year"),
    "open_register": ("Open in het werkenregister", "Open in the works register"),
    "open_brief": ("Projectopdracht met omgevingsanalyse", "Project brief with environment analysis"),
    "open_anatomy": ("Anatomie van het gebied", "Anatomy of the area"),
    "error": ("Fout", "Error"),
    "map_label": ("Kaart van het register", "Map of the register"),
    "basemap_attribution": (
        "Achtergrond: PDOK BRT-Achtergrondkaart © Kadaster",
        "Base map: PDOK BRT-Achtergrondkaart © Kadaster",
    ),
    "eur": ("€", "€"),
    "page_map": ("Kaart", "Map"),
    "log_in": ("Inloggen", "Log in"),
    "log_out": ("Uitloggen", "Log out"),
    "logged_in_as": ("Ingelogd als", "Logged in as"),
    "email": ("E-mailadres", "E-mail address"),
    "password": ("Wachtwoord", "Password"),
    "public_view": (
        "Openbare weergave: alleen de werken in de openbare ruimte. Log in voor de rest van het register.",
        "Public view: the street works only. Log in for the rest of the register.",
    ),
    # the coupling workflow (C3) on the couplings page
    "workflow": ("Afhandeling", "Workflow"),
    "workflow_not_proposed": (
        "Nog niet voorgesteld aan de betrokken organisaties.",
        "Not proposed to the organisations involved yet.",
    ),
    "workflow_propose": ("Voorstellen aan de betrokkenen", "Propose to the members"),
    "workflow_members": ("Antwoorden van de betrokkenen", "The members' answers"),
    "workflow_your_turn": ("uw antwoord gevraagd", "your answer is asked"),
    "answer_accept": ("akkoord", "accepted"),
    "answer_decline": ("afgewezen", "declined"),
    "workflow_answer": ("Antwoorden", "Answer"),
    "answer_for": ("Namens", "On behalf of"),
    "accept": ("Akkoord", "Accept"),
    "decline": ("Afwijzen", "Decline"),
    "reason": ("Reden", "Reason"),
    "reason_help": ("Verplicht bij afwijzen.", "Required to decline."),
    "reason_required": ("Geef een reden om af te wijzen.", "Give a reason to decline."),
    "send_answer": ("Antwoord versturen", "Send answer"),
    "cost_split": ("Kostenverdeling", "Cost split"),
    "cost_split_help": (
        "Het aandeel van elke organisatie in de kosten, in procenten; samen 100 %.",
        "Each organisation's share of the cost, in per cent; 100 % together.",
    ),
    "cost_split_total": ("Totaal {total} %", "Total {total} %"),
    "cost_split_none": ("Nog geen kostenverdeling vastgelegd.", "No cost split recorded yet."),
    "record_cost_split": ("Kostenverdeling vastleggen", "Record the cost split"),
    "realise": ("Markeren als gerealiseerd", "Mark as realised"),
    "realise_needs_split": (
        "Leg eerst de kostenverdeling vast; daarna kan de koppelkans als gerealiseerd worden gemarkeerd.",
        "Record the cost split first; then the coupling can be marked as realised.",
    ),
    "escalate": ("Verlopen termijnen escaleren", "Escalate overdue couplings"),
    "escalate_help": (
        "Markeert elke koppelkans waarvan de termijn verstreken is als geëscaleerd naar de coördinator.",
        "Flags every coupling past its deadline as escalated to the coordinator.",
    ),
    "escalated_count": ("{n} koppelkans(en) geëscaleerd naar de coördinator.", "{n} coupling(s) escalated."),
    "deadline_respond": ("Reageren uiterlijk {date}", "Respond by {date}"),
    "deadline_realise": ("Realiseren uiterlijk {date}", "Realise by {date}"),
    "days_left": ("nog {n} dagen", "{n} days left"),
    "day_left": ("nog 1 dag", "1 day left"),
    "due_today": ("vandaag", "today"),
    "days_overdue": ("{n} dagen te laat", "{n} days overdue"),
    "day_overdue": ("1 dag te laat", "1 day overdue"),
    "overdue": ("te laat", "overdue"),
    "workflow_events": ("Verloop", "Progress"),
    "event_proposed": ("voorgesteld", "proposed"),
    "event_responded": ("antwoord", "answer"),
    "event_cost_split": ("kostenverdeling vastgelegd", "cost split recorded"),
    "event_realised": ("gerealiseerd", "realised"),
    "event_escalated": ("geëscaleerd", "escalated"),
    "event_escalation_announced": ("coördinatoren en abonnees ingelicht", "coordinators and subscribers told"),
    "not_saved": ("Niet opgeslagen:", "Not saved:"),
    # the subscriptions page (C4)
    "subscriptions_intro": (
        "Een organisatie tekent of uploadt het gebied dat zij volgt (haar netgebied) en hoort per e-mail of webhook"
        " van nieuwe werken, verschoven startvensters en nieuwe koppelkansen en conflicten daarin.",
        "An organisation draws or uploads the area it watches (its network area) and is told by e-mail or webhook"
        " of new works, changed start windows and new couplings and conflicts in it.",
    ),
    "new_subscription": ("Nieuw abonnement", "New subscription"),
    "interest_area": ("Interessegebied", "Interest area"),
    "interest_area_help": (
        "Klik op de kaart de hoekpunten van het gebied; dubbelklik of Klaar sluit het. Of kies een bestand"
        " (GeoJSON, GeoPackage of gezipte Shapefile met polygonen).",
        "Click the area's corners on the map; double-click or Done closes it. Or choose a file"
        " (GeoJSON, GeoPackage or zipped Shapefile of polygons).",
    ),
    "draw_area": ("Gebied tekenen", "Draw area"),
    "finish_area": ("Klaar", "Done"),
    "area_points": ("{n} hoekpunt(en) geklikt", "{n} corner(s) clicked"),
    "area_drawn": ("Gebied getekend ({n} hoekpunten)", "Area drawn ({n} corners)"),
    "no_area": ("Nog geen gebied getekend of gekozen.", "No area drawn or chosen yet."),
    "area_file": ("Of een bestand", "Or a file"),
    "layer": ("Laag", "Layer"),
    "layer_help": (
        "Alleen nodig bij een GeoPackage met meer dan één laag: de naam van de laag met het gebied.",
        "Only for a GeoPackage with more than one layer: the name of the layer holding the area.",
    ),
    "area_needed": ("Teken een gebied of kies een bestand.", "Draw an area or choose a file."),
    "webhook_url": ("Webhook-URL", "Webhook URL"),
    "secret": ("Geheim voor de handtekening", "Signing secret"),
    "secret_help": ("De webhook wordt ondertekend met HMAC-SHA256.", "The webhook is signed with HMAC-SHA256."),
    "digest_language": ("Taal van de berichten", "Language of the messages"),
    "language_nl": ("Nederlands", "Dutch"),
    "language_en": ("Engels", "English"),
    "subscribe": ("Abonneren", "Subscribe"),
    "subscribed": ("Abonnement aangemaakt.", "Subscription created."),
    "subscription_errors": ("Het abonnement is niet aangemaakt:", "The subscription was not created:"),
    "subscriptions_list": ("Abonnementen", "Subscriptions"),
    "subscriptions_none": ("Er zijn nog geen abonnementen.", "There are no subscriptions yet."),
    "notified_at": ("Bericht naar", "Told at"),
    "area_size": ("Oppervlak", "Area"),
    "km2": ("{n} km²", "{n} km²"),
    "show_area": ("Toon gebied", "Show area"),
    "delete": ("Verwijderen", "Delete"),
    "confirm_unsubscribe": (
        "Het abonnement van {org} verwijderen? Er worden dan geen berichten meer gestuurd.",
        "Delete {org}'s subscription? No more messages will be sent.",
    ),
    "subscriptions_read_only": (
        "U kunt de abonnementen bekijken; een redacteur of coördinator maakt ze aan.",
        "You can view the subscriptions; an editor or coordinator creates them.",
    ),
    "login_intro": (
        "Log in met het e-mailadres en wachtwoord die de beheerder van Koppelkans voor u heeft aangemaakt.",
        "Log in with the e-mail address and password your Koppelkans administrator created for you.",
    ),
}


def texts(language: Language) -> dict[str, str]:
    """Every UI text in the language."""
    index = LANGUAGES.index(language)
    return {key: pair[index] for key, pair in _TEXTS.items()}
