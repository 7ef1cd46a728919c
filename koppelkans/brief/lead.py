"""Which project type a group of works is, and which party usually leads it (PRODUCT.md C2).

A management-driven (beheer) project is led by the owner with the largest share of the cost; a
transition-driven one by the heat company or grid operator; development, restructuring and
neighbourhood-oriented ones by the municipality (`LEADING_KINDS`, shared with the works plan).
"""

from __future__ import annotations

import pandas as pd

from koppelkans.analysis.planning.works_plan import LEADING_KINDS
from koppelkans.brief.i18n import Text, label
from koppelkans.domain.vocabulary import OrganisationKind, ProjectType

__all__ = ["LEADING_KINDS", "leading_party_for", "project_type_for"]

_TRANSITION_DISCIPLINES = frozenset({"heat", "electricity_lv", "electricity_mv"})


def project_type_for(works: pd.DataFrame) -> tuple[ProjectType, Text]:
    """The type the works name (weighted by cost), else what their disciplines suggest, with the basis."""
    if works.empty:
        return ProjectType.BEHEER, Text("geen werken: aangenomen beheer", "no works: management assumed")
    typed = works[works["project_type"].notna()]
    if len(typed):
        cost = typed.assign(weight=typed["cost_eur"].fillna(0.0) + 1.0).groupby("project_type")["weight"].sum()
        chosen = str(cost.sort_values(ascending=False, kind="stable").index[0])
        return ProjectType(chosen), Text(
            f"projecttype van de werken (naar kosten): {label(ProjectType, chosen, 'nl')}",
            f"the works' project type (by cost): {label(ProjectType, chosen, 'en')}",
        )
    new_networks = works[(works["kind"] == "construct") & works["discipline"].isin(_TRANSITION_DISCIPLINES)]
    if len(new_networks):
        return ProjectType.TRANSITIE, Text(
            "nieuwe warmte- of elektriciteitsnetten: transitiegedreven", "new heat or electricity networks: transition"
        )
    return ProjectType.BEHEER, Text(
        "de werken noemen geen type: vervanging en onderhoud, dus beheer",
        "the works name no type: renewal and maintenance, so management",
    )


def leading_party_for(
    project_type: ProjectType | str, works: pd.DataFrame, organisations: pd.DataFrame
) -> tuple[str | None, Text]:
    """The organisation that usually leads a project of this type among the works' owners, with the basis."""
    if works.empty:
        return None, Text("geen werken: trekker nog open", "no works: leader still open")
    shares = (
        works.assign(cost=works["cost_eur"].fillna(0.0))
        .groupby("organisation", as_index=False)
        .agg(cost=("cost", "sum"), works=("id", "size"))
        .sort_values(["cost", "works", "organisation"], ascending=[False, False, True], kind="stable")
    )
    kind_of = organisations.set_index("code")["kind"].to_dict() if len(organisations) else {}
    for kind in LEADING_KINDS.get(str(project_type), ()):
        present = shares[shares["organisation"].map(kind_of) == kind]
        if len(present):
            code = str(present["organisation"].iloc[0])
            return code, Text(
                f"bij dit projecttype trekt de {label(OrganisationKind, kind, 'nl')}",
                f"the {label(OrganisationKind, kind, 'en')} leads this project type",
            )
    code = str(shares["organisation"].iloc[0])
    return code, Text(
        f"eigenaar met het grootste aandeel in de kosten (€ {shares['cost'].iloc[0]:,.0f})".replace(",", "."),
        f"owner with the largest share of the cost (€ {shares['cost'].iloc[0]:,.0f})",
    )
