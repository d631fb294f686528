"""The final response in the sections of seed 001 Appendix D (R25), and what stops a letter
from being approved: an issue at this stage without a finding, the escalation rights without
the body's contact details (2009 Regulations reg 14(2); 002 §10.5.1 VIII), an empty apology
where an issue is upheld (App D 2), or writer's guidance in [[brackets]] left in the text."""

from __future__ import annotations

import hashlib
import json
import re

from candour.cases.models import Case, Finding, Status
from candour.cases.workflow import TRANSITIONS
from candour.organisations.policy import LetterKind, Policy

# App D "What the letter should cover", in order.
FINAL_SECTIONS: dict[str, str] = {
    "acknowledgement": "Acknowledgement",
    "apology": "Apology",
    "condolences": "Condolences",
    "issues": "The issues you raised",
    "investigation": "How we investigated your complaint",
    "explanation": "What happened and why",
    "conclusions": "Our conclusions",
    "learning": "What we have learned and what will change",
    "follow_up": "If you have questions",
    "ombudsman": "If you remain unhappy",
    "closing": "Closing",
}

# Sections whose heading is not printed (the letter reads on without it).
UNTITLED = frozenset({"acknowledgement", "apology", "condolences", "closing", "body"})

GUIDANCE = re.compile(r"\[\[.*?\]\]", re.S)


def start_problem(case: Case, kind: str) -> str | None:
    """What stops a letter of `kind` being started on `case` now, or None. A holding letter
    (R19) tells the complainant that the response is delayed and the new date agreed with
    them, and its sending is recorded as an update to them (handling.record_holding_letter):
    it needs a case that awaits its response and may be updated, and the agreed date."""
    if kind != LetterKind.HOLDING:
        return None
    update = TRANSITIONS["log_update"]
    if case.kind not in update.kinds or case.status not in update.from_statuses:
        return (
            f"{case.reference} is {Status(case.status).label.lower()}; a holding letter is for "
            "a complaint still awaiting its response (acknowledged, open or paused)."
        )
    if not case.agreed_response_date:
        return (
            f"{case.reference} has no agreed response date. A holding letter tells the "
            "complainant when to expect the response: agree a response date or an extension "
            "with them first."
        )
    return None


def heading(name: str) -> str:
    return FINAL_SECTIONS.get(name, name.replace("_", " ").capitalize())


def text_hash(subject: str, sections: list) -> str:
    """SHA-256 of the letter's words, as recorded in the audit event that signs it."""
    content = json.dumps([subject, sections], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def clean_sections(kind: str, sections: list, template_names: list[str]) -> list[list[str]]:
    """Sections as [name, text] pairs in the template's order; unknown names refused."""
    from candour.letters.templates import TemplateProblem

    given = {}
    for i, pair in enumerate(sections):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise TemplateProblem(f"sections.{i}", "must be a [name, text] pair")
        name, text = str(pair[0]), str(pair[1])
        if name not in template_names:
            raise TemplateProblem(
                f"sections.{i}",
                f"{name!r} is not a section of this letter; use {', '.join(template_names)}",
            )
        given[name] = text.strip()
    return [[n, given.get(n, "")] for n in template_names]


def problems(kind: str, case: Case, policy: Policy, sections: list) -> list[str]:
    """Why this text may not be approved now, one message each; empty when it may."""
    found = []
    text = dict(sections)
    for name, body in sections:
        if GUIDANCE.search(body):
            found.append(
                f"The section '{heading(name)}' still has guidance in [[double brackets]]; "
                "replace it with the letter's own words."
            )
    if kind != LetterKind.FINAL_RESPONSE:
        return found
    issues = list(case.issues.filter(stage=case.stage).order_by("number"))
    if not issues:
        found.append(
            f"{case.reference} has no issues at stage {case.stage}; the response must answer "
            "the issues agreed with the complainant."
        )
    unanswered = [str(i.number) for i in issues if not i.finding]
    if unanswered:
        found.append(
            f"Issue {', '.join(unanswered)} has no finding yet; record a finding for every "
            "issue before the response is approved."
        )
    upheld = [str(i.number) for i in issues if i.finding in (Finding.UPHELD, Finding.PARTLY_UPHELD)]
    if upheld and not text.get("apology", "").strip():
        found.append(
            f"The apology section is empty, but issue {', '.join(upheld)} is upheld or partly "
            "upheld; apologise for what went wrong."
        )
    rights = text.get("ombudsman", "")
    body = policy.escalation
    contacts = [c for c in (body.address, body.telephone, body.website) if c]
    if (
        not rights.strip()
        or body.name.lower() not in rights.lower()
        or not any(c.lower() in rights.lower() for c in contacts)
    ):
        found.append(
            f"The section '{heading('ombudsman')}' must tell the complainant of their right to "
            f"go to the {body.name} with its contact details "
            f"({'; '.join(contacts)})."
        )
    return found
