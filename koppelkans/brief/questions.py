"""The six questions of the project assignment (PRODUCT.md C2), pre-filled with what the data suggests.

Each answer is a list of suggestions with the data behind them; a question the data says nothing
about is left open (with what to find out), never filled with a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from koppelkans.brief.defaults import brief_figure
from koppelkans.brief.environment import EnvironmentAnalysis
from koppelkans.brief.i18n import Text, label
from koppelkans.config import figure
from koppelkans.domain.vocabulary import ConflictKind, ProjectType, TaskTheme

__all__ = ["AssignmentQuestion", "questions_for"]


@dataclass(frozen=True, kw_only=True)
class AssignmentQuestion:
    """One of the six questions, with its suggested answers (empty when the data leaves it open)."""

    key: str
    question: Text
    suggestions: tuple[Text, ...]
    open_note: Text
    """What to settle when the data suggests nothing (shown instead of suggestions)."""

    @property
    def is_open(self) -> bool:
        return not self.suggestions


def _money(amount: float) -> Text:
    rounded = round(float(amount), -3)
    return Text("€ " + f"{rounded:,.0f}".replace(",", "."), f"€{rounded:,.0f}")


def questions_for(
    env: EnvironmentAnalysis,
    *,
    project_type: ProjectType,
    leading_party: str | None,
    project_works: pd.DataFrame,
) -> list[AssignmentQuestion]:
    """The six questions, in the order of the assignment."""
    return [
        _leading_task(env, project_type, leading_party, project_works),
        _criteria(env),
        _steering(env, leading_party, project_works),
        _frameworks(env, project_works),
        _physical_social(env),
        _participation(env, project_type, project_works),
    ]


def _leading_task(
    env: EnvironmentAnalysis, project_type: ProjectType, leading_party: str | None, works: pd.DataFrame
) -> AssignmentQuestion:
    out = []
    if len(works):
        top = works.sort_values("cost_eur", ascending=False, na_position="last", kind="stable").iloc[0]
        cost = _money(top["cost_eur"] or 0.0)
        title = top["title"] or top["id"]
        out.append(
            Text(
                f"{label(ProjectType, project_type, 'nl')}: {title} ({top['organisation']}, {cost.nl}) is de "
                f"aanleiding; trekker {leading_party or 'nog open'}",
                f"{label(ProjectType, project_type, 'en')}: {title} ({top['organisation']}, {cost.en}) is the "
                f"reason; led by {leading_party or 'still open'}",
            )
        )
    for task in env.tasks.sort_values(["target_year", "id"], kind="stable").head(3).itertuples(index=False):
        out.append(
            Text(
                f"opgave {task.id} ({label(TaskTheme, task.theme, 'nl')}, doeljaar {task.target_year}) ligt in het "
                "gebied: verbreed de scope of leg vast waarom niet",
                f"task {task.id} ({label(TaskTheme, task.theme, 'en')}, target {task.target_year}) lies in the area: "
                "broaden the scope or record why not",
            )
        )
    return AssignmentQuestion(
        key="leading_task",
        question=Text("Welke opgave is leidend?", "Which task leads?"),
        suggestions=tuple(out),
        open_note=Text(
            "Geen werken of opgaven in het gebied: benoem de aanleiding.",
            "No works or tasks in the area: name the reason.",
        ),
    )


def _criteria(env: EnvironmentAnalysis) -> AssignmentQuestion:
    out = []
    conflicts = env.conflicts["kind"].value_counts() if len(env.conflicts) else pd.Series(dtype=int)
    for kind, n in conflicts.items():
        out.append(
            Text(
                f"{n}× {label(ConflictKind, str(kind), 'nl')}: volgorde en timing bewaken (eerst ondergronds, "
                "dan verharding)",
                f"{n}× {label(ConflictKind, str(kind), 'en')}: guard order and timing (underground first, then paving)",
            )
        )
    poor = env.due_assets[
        pd.to_numeric(env.due_assets["condition"], errors="coerce") >= figure("condition_action_threshold")
    ]
    if len(poor):
        out.append(
            Text(
                f"{len(poor)} asset(s) in slechte conditie (NEN 2767 ≥ 4): functioneren en veiligheid",
                f"{len(poor)} asset(s) in poor condition (NEN 2767 ≥ 4): functioning and safety",
            )
        )
    saving = float(env.couplings["saving_eur"].sum()) if len(env.couplings) else 0.0
    if saving > 0:
        money = _money(saving)
        out.append(
            Text(
                f"{len(env.couplings)} koppelkans(en) met samen {money.nl} besparing: werk-met-werk maken",
                f"{len(env.couplings)} coupling(s) saving {money.en} together: combine works",
            )
        )
    stress = _buurt_values(env, "climate_stress")
    high = stress[stress >= brief_figure("climate_stress_high")]
    if len(high):
        out.append(
            Text(
                f"klimaatstress {high.max():.1f}/5 in {', '.join(high.index)}: waterberging en minder verharding",
                f"climate stress {high.max():.1f}/5 in {', '.join(high.index)}: water storage and less paving",
            )
        )
    return AssignmentQuestion(
        key="criteria",
        question=Text("Welke criteria hebben prioriteit?", "Which criteria have priority?"),
        suggestions=tuple(out),
        open_note=Text(
            "De data wijst geen knelpunten aan: kies de criteria (kosten, hinder, duurzaamheid) met de partijen.",
            "The data shows no constraints: choose the criteria (cost, nuisance, sustainability) with the parties.",
        ),
    )


def _steering(env: EnvironmentAnalysis, leading_party: str | None, works: pd.DataFrame) -> AssignmentQuestion:
    out = []
    partners = sorted(set(works["organisation"]) - {leading_party}) if len(works) else []
    coupled = sorted(
        {
            s.code
            for s in env.stakeholders
            if s.code not in ("residents", leading_party) and s.code not in partners and s.kind is not None
        }
    )
    if leading_party:
        out.append(Text(f"{leading_party} is opdrachtgever en stuurt", f"{leading_party} is the sponsor and steers"))
    if partners:
        out.append(
            Text(
                f"mede-opdrachtgevers met werken in het project: {', '.join(partners)}",
                f"co-sponsors with works in the project: {', '.join(partners)}",
            )
        )
    if coupled:
        out.append(
            Text(
                f"betrekken bij de gatebesluiten over koppelkansen: {', '.join(coupled[:6])}",
                f"involve in the gate decisions on couplings: {', '.join(coupled[:6])}",
            )
        )
    return AssignmentQuestion(
        key="steering",
        question=Text("Wie stuurt en wie beslist?", "Who steers and who decides?"),
        suggestions=tuple(out),
        open_note=Text(
            "Geen partijen in de data: benoem opdrachtgever en stuurgroep.",
            "No parties in the data: name the sponsor and the steering group.",
        ),
    )


def _frameworks(env: EnvironmentAnalysis, works: pd.DataFrame) -> AssignmentQuestion:
    out = []
    if len(works):
        first, last = int(works["earliest_start"].max()), int(works["latest_start"].min())
        if first <= last:
            span = f"{first}" if first == last else f"{first}–{last}"
            room = Text("daarbinnen is ruimte om te schuiven", "room to move within it")
            if first == last:
                room = Text("alleen dat jaar kunnen ze samen", "only in that year can they go together")
            out.append(
                Text(
                    f"de vensters van de werken overlappen in {span}: {room.nl}",
                    f"the works' windows overlap in {span}: {room.en}",
                )
            )
        else:
            out.append(
                Text(
                    f"de vensters van de werken overlappen niet (laatste start {last}, vroegste start {first}): "
                    "één van de werken moet schuiven of er komen twee openingen",
                    f"the works' windows do not overlap (latest start {last}, earliest start {first}): one work must "
                    "move or the street opens twice",
                )
            )
        fixed = works[works["status"].isin(["committed", "in_progress"])]
        if len(fixed):
            ids = ", ".join(fixed["id"])
            out.append(Text(f"vastgesteld, vast in de tijd: {ids}", f"committed, fixed in time: {ids}"))
        budget = works.groupby("organisation")["cost_eur"].sum()
        listed_nl = ", ".join(f"{org} {_money(v).nl}" for org, v in budget.items() if v > 0)
        listed_en = ", ".join(f"{org} {_money(v).en}" for org, v in budget.items() if v > 0)
        if listed_nl:
            out.append(Text(f"budgetten in het register: {listed_nl}", f"budgets in the register: {listed_en}"))
        dig_free = works[works["kind"].isin(["resurface", "reconstruct"])]
        for row in dig_free.itertuples(index=False):
            years = (
                int(row.dig_free_years)
                if pd.notna(row.dig_free_years)
                else int(figure("default_dig_free_years_surface"))
            )
            start = int(row.preferred_start if pd.notna(row.preferred_start) else row.earliest_start)
            out.append(
                Text(
                    f"graafvrij na {row.id}: {years} jaar vanaf {start}",
                    f"dig-free after {row.id}: {years} years from {start}",
                )
            )
    return AssignmentQuestion(
        key="frameworks",
        question=Text(
            "Wat zijn de kaders en hoeveel ruimte is er om af te wijken?",
            "What are the frameworks and how much room is there to deviate?",
        ),
        suggestions=tuple(out),
        open_note=Text(
            "Geen werken met vensters en budgetten: leg de kaders vast.",
            "No works with windows and budgets: set the frameworks.",
        ),
    )


def _physical_social(env: EnvironmentAnalysis) -> AssignmentQuestion:
    out = []
    social = env.tasks[env.tasks["theme"] == "social"]
    for task in social.itertuples(index=False):
        out.append(
            Text(
                f"sociale opgave {task.id} (doeljaar {task.target_year}): {task.description or ''}".rstrip(": "),
                f"social task {task.id} (target {task.target_year}): {task.description or ''}".rstrip(": "),
            )
        )
    liveability = _buurt_values(env, "liveability")
    weak = liveability[liveability < brief_figure("liveability_target")]
    if len(weak):
        listed = ", ".join(f"{code} {int(v)}/9" for code, v in weak.items())
        out.append(
            Text(
                f"leefbaarheid onder de {int(brief_figure('liveability_target'))} ({listed}): gebruik het project "
                "voor de wijkaanpak (groen, ontmoeting, veiligheid)",
                f"liveability below {int(brief_figure('liveability_target'))} ({listed}): use the project for the "
                "neighbourhood approach (green, meeting places, safety)",
            )
        )
    return AssignmentQuestion(
        key="physical_social",
        question=Text("Hoe verbinden fysieke en sociale opgaven?", "How do physical and social tasks connect?"),
        suggestions=tuple(out),
        open_note=Text(
            "Geen sociale opgave of leefbaarheidscijfer in het gebied: vraag het sociaal domein wat er speelt.",
            "No social task or liveability score in the area: ask the social domain what is going on.",
        ),
    )


def _participation(env: EnvironmentAnalysis, project_type: ProjectType, works: pd.DataFrame) -> AssignmentQuestion:
    out = []
    if project_type in (ProjectType.WIJKGERICHT, ProjectType.HERSTRUCTURERING):
        out.append(
            Text(
                "wijkgericht project: co-creëren met bewoners vanaf de PSU",
                "neighbourhood-oriented project: co-create with residents from the PSU",
            )
        )
    if len(env.tasks[env.tasks["theme"].isin(["social", "energy_transition"])]):
        out.append(
            Text(
                "opgaven raken bewoners direct (aardgasvrij, wijkaanpak): meedenken in NvU/PvE",
                "tasks touch residents directly (gas-free, neighbourhood approach): consult in NvU/PvE",
            )
        )
    if len(works):
        months = works["duration_months"].fillna(figure("default_work_duration_months")).sum()
        days = float(months) * figure("working_days_per_month")
        if days >= brief_figure("participation_nuisance_days"):
            out.append(
                Text(
                    f"≈ {days:.0f} werkdagen hinder: bewoners en ondernemers raadplegen over fasering en "
                    "bereikbaarheid",
                    f"≈ {days:.0f} working days of nuisance: consult residents and businesses on phasing and access",
                )
            )
        else:
            out.append(
                Text(
                    f"≈ {days:.0f} werkdagen hinder: tijdig informeren",
                    f"≈ {days:.0f} working days of nuisance: inform in good time",
                )
            )
    if len(env.couplings) and (env.couplings["kind"] == "afstemming").any():
        out.append(
            Text("één communicatieplan met alle partijen (afstemming)", "one communication plan with every party")
        )
    return AssignmentQuestion(
        key="participation",
        question=Text("Welke rol speelt participatie?", "What role does participation play?"),
        suggestions=tuple(out),
        open_note=Text(
            "Bepaal het participatieniveau (informeren, raadplegen, meedenken, co-creëren).",
            "Choose the level of participation (inform, consult, advise, co-create).",
        ),
    )


def _buurt_values(env: EnvironmentAnalysis, name: str) -> pd.Series:
    """A numeric attribute of the buurten the zone touches, by code."""
    if env.areas.empty:
        return pd.Series(dtype=float)
    values = [a.get(name) if isinstance(a, dict) else None for a in env.areas["attributes"]]
    series = pd.to_numeric(pd.Series(values, index=env.areas["code"]), errors="coerce")
    return series.dropna().astype(float)
