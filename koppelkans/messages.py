"""The e-mails Koppelkans sends, in Dutch (the default) or English: a subscription's digest (C4) and the
escalation of an overdue coupling to the coordinators (C3). Pure: the words use the reports' mechanism
(`brief.i18n.Text`, the vocabulary's own labels); `koppelkans.notifications` sends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppelkans.brief.i18n import Text, label
from koppelkans.domain.subscriptions import Digest
from koppelkans.domain.vocabulary import ConflictKind, CouplingKind, CouplingStatus
from koppelkans.domain.workflow import CouplingWorkflow

__all__ = ["digest_subject", "digest_text", "escalation_subject", "escalation_text"]

_COUNTS: dict[str, tuple[Text, Text]] = {
    # (one, several)
    "new_works": (Text("nieuw werk", "new work"), Text("nieuwe werken", "new works")),
    "changed_windows": (
        Text("gewijzigd startvenster", "changed window"),
        Text("gewijzigde startvensters", "changed windows"),
    ),
    "new_couplings": (Text("nieuwe koppelkans", "new coupling"), Text("nieuwe koppelkansen", "new couplings")),
    "new_conflicts": (Text("nieuw conflict", "new conflict"), Text("nieuwe conflicten", "new conflicts")),
}
_WORDS: dict[str, Text] = {
    "intro": Text(
        "Wat er veranderde in het gebied van {organisation} van {since} tot {until}:",
        "What changed in the area of {organisation} from {since} to {until}:",
    ),
    "new_works": Text("Nieuwe werken", "New works"),
    "changed_windows": Text("Gewijzigde startvensters", "Changed start windows"),
    "new_couplings": Text("Nieuwe koppelkansen", "New couplings"),
    "new_conflicts": Text("Nieuwe conflicten", "New conflicts"),
    "escalated_subject": Text("Koppelkans: {coupling} is geëscaleerd", "Koppelkans: {coupling} has escalated"),
    "escalated": Text(
        "De termijn van {coupling} ({kind}) verstreek op {deadline}; de koppeling is nu {status} en ligt bij u "
        "als coördinator.",
        "The deadline of {coupling} ({kind}) passed at {deadline}; the coupling is {status} and now lies with "
        "you as coordinator.",
    ),
    "members": Text("Betrokken organisaties", "Member organisations"),
    "waiting_for": Text("Nog geen antwoord van", "No answer yet from"),
    "nobody": Text("niemand", "nobody"),
    "next_step": Text(
        "Zie `koppelkans coupling status {coupling}` of de koppelkansen in de webapplicatie.",
        "See `koppelkans coupling status {coupling}` or the couplings in the web application.",
    ),
}


def digest_subject(digest: Digest) -> str:
    """`Koppelkans VITENS: 1 nieuw werk, 2 nieuwe koppelkansen` in the digest's language."""
    sizes = {name: len(getattr(digest, name)) for name in _COUNTS}
    counts = [
        f"{n} {(one if n == 1 else several).in_(digest.language)}"
        for (one, several), n in zip(_COUNTS.values(), sizes.values(), strict=True)
        if n
    ]
    return f"Koppelkans {digest.organisation}: " + ", ".join(counts)


def digest_text(digest: Digest) -> str:
    """The e-mail digest: one line per change, ids first so a reader can look them up."""
    language = digest.language
    intro = _WORDS["intro"].in_(language)
    lines = [intro.format(organisation=digest.organisation, since=digest.since, until=digest.until), ""]
    sections = (
        ("new_works", lambda w: f"{w['id']}  {w.get('title') or ''}  {_window(w['window'])}"),
        ("changed_windows", lambda w: f"{w['id']}  {_window(w['old_window'])} → {_window(w['window'])}"),
        ("new_couplings", lambda f: _finding(f, CouplingKind, language)),
        ("new_conflicts", lambda f: _finding(f, ConflictKind, language)),
    )
    for name, line in sections:
        items: Sequence[Mapping[str, Any]] = getattr(digest, name)
        if items:
            title = _WORDS[name].in_(language)
            lines += [f"{title} ({len(items)}):", *(f"  - {line(item).rstrip()}" for item in items), ""]
    return "\n".join(lines)


def escalation_subject(workflow: CouplingWorkflow, *, language: str) -> str:
    return _WORDS["escalated_subject"].in_(language).format(coupling=workflow.coupling_id)


def escalation_text(workflow: CouplingWorkflow, *, kind: str | None, language: str) -> str:
    """The coordinators' e-mail: which coupling escalated, since when, and whose answer it still waits for."""
    words = {key: text.in_(language) for key, text in _WORDS.items()}
    values = {
        "coupling": workflow.coupling_id,
        "kind": label(CouplingKind, kind, language),
        "deadline": workflow.deadline or "—",
        "status": label(CouplingStatus, workflow.status.value, language),
    }
    waiting = ", ".join(workflow.waiting_for) or words["nobody"]
    return "\n".join(
        [
            words["escalated"].format(**values),
            "",
            f"{words['members']}: {', '.join(workflow.members)}",
            f"{words['waiting_for']}: {waiting}",
            "",
            words["next_step"].format(**values),
        ]
    )


def _finding(finding: Mapping[str, Any], vocabulary: type[CouplingKind] | type[ConflictKind], language: str) -> str:
    return f"{finding['id']}  {label(vocabulary, finding['kind'], language)}  {finding.get('explanation') or ''}"


def _window(window: Sequence[int | None]) -> str:
    first, _, last = window
    return f"{first}–{last}" if first != last else str(first)
