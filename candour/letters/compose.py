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


# A contributor's reply to its part of a joint complaint, offered in the final response's
# draft (`with_contributions`): "part_1", "part_2"...
PART_SECTION = re.compile(r"^part_(\d+)$")


def heading(name: str) -> str:
    part = PART_SECTION.match(name)
    if part:
        return f"Part {part[1]}: another organisation's reply"
    return FINAL_SECTIONS.get(name, name.replace("_", " ").capitalize())


def printed_heading(name: str) -> str:
    """The heading a letter prints above a section: none for the untitled ones, nor for a
    contributor's part, which reads on as part of the explanation."""
    return "" if name in UNTITLED or PART_SECTION.match(name) else heading(name)


def with_contributions(case: Case, kind: str, sections: list) -> list:
    """R31, seed 001 §8: a joint complaint's complainant "should be sent a single,
    coordinated response". A final response's draft offers each contributor's reply to its
    part (not withdrawn) as a section of its own after the explanation: its name and what it
    said, under a note in [[brackets]] that the handler replaces with the words the
    complainant reads (a letter is not approved with the note left in)."""
    if kind != LetterKind.FINAL_RESPONSE:
        return sections
    from candour.cases.joint_models import JointPart

    parts = (
        JointPart.objects.filter(case=case, withdrawn_at__isnull=True, reply_at__isnull=False)
        .select_related("organisation")
        .prefetch_related("issues")
        .order_by("number")
    )
    offered = [[f"part_{p.number}", _contribution(p)] for p in parts]
    if not offered:
        return sections
    names = [name for name, _ in sections]
    at = names.index("explanation") + 1 if "explanation" in names else len(sections)
    return [*sections[:at], *offered, *sections[at:]]


def _contribution(part) -> str:
    from candour.cases.deadlines import fmt, local

    issues = sorted(i.number for i in part.issues.all())
    numbers = ", ".join(map(str, issues))
    about = f" on issue{'s' if len(issues) > 1 else ''} {numbers}" if issues else ""
    reference = f", reference {part.reply_reference}" if part.reply_reference else ""
    note = (
        f"[[{part.contributor}'s reply to part {part.number}, received "
        f"{fmt(local(part.reply_at).date())}{reference}. Write what it found into this "
        "response, in words the complainant will follow, and take out this note.]]"
    )
    said = part.reply_text or f"[[Its reply is in {part.reply_reference}: summarise it here.]]"
    return f"{note}\n\n{part.contributor} looked into this{about} and told us:\n\n{said}"


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


# Sections of the final response that may not be empty when it is approved: the answer
# itself (App D 4-7). An empty one is a letter that answers nothing.
REQUIRED_SECTIONS = ("issues", "investigation", "explanation", "conclusions")

# Where a letter tells the complainant what they can do next (R29, R33): the next stage of
# the organisation's procedure, or the escalation body's contact details.
NEXT_STEP_SECTION = {
    LetterKind.FINAL_RESPONSE: "ombudsman",
    LetterKind.VEXATIOUS_WARNING: "body",
}


def _plain(text: str) -> str:
    """Lower case, one space between words: how a check finds words in a letter."""
    return " ".join(text.lower().split())


def _mentions_issue(text: str, issue) -> bool:
    """Whether a section names the issue: its description, or 'issue N' / 'N.' by number."""
    plain = _plain(text)
    if _plain(issue.description) in plain:
        return True
    return bool(re.search(rf"(\bissue {issue.number}\b)|(^|\n)\s*{issue.number}\.", text, re.I))


def _next_step_problems(kind: str, stage: int, policy: Policy, text: dict) -> list[str]:
    """R29: a response names the organisation's next stage where there is one, and the right
    to go to the escalation body with its contact details at the last stage (or at every
    stage where the policy says so: reg 14(2)(c))."""
    name = NEXT_STEP_SECTION.get(kind)
    if name is None:
        return []
    found = []
    words = text.get(name, "")
    following = policy.next_stage(stage)
    named = following and (
        _plain(following) in _plain(words) or re.search(rf"\bstage {stage + 1}\b", _plain(words))
    )
    if following and not named:
        found.append(
            f"The section '{heading(name)}' must tell the complainant that they can take their "
            f"complaint to the next stage of the procedure, {following}, and how."
        )
    body = policy.escalation
    if policy.rights_at(stage):
        contacts = [c for c in (body.address, body.telephone, body.website) if c]
        if (
            not words.strip()
            or body.name.lower() not in words.lower()
            or not any(c.lower() in words.lower() for c in contacts)
        ):
            found.append(
                f"The section '{heading(name)}' must tell the complainant of their right to "
                f"go to the {body.name} with its contact details "
                f"({'; '.join(contacts)})."
            )
    return found


def problems(kind: str, case: Case, policy: Policy, sections: list, stage: int | None = None):
    """Why this text may not be approved now, one message each; empty when it may. Checked
    against the case as it is at approval, not as it was when the letter started: an issue
    added since, or a finding changed, shows here."""
    stage = stage or case.stage
    found = []
    text = dict(sections)
    for name, body in sections:
        if GUIDANCE.search(body):
            found.append(
                f"The section '{heading(name)}' still has guidance in [[double brackets]]; "
                "replace it with the letter's own words."
            )
    if kind == LetterKind.LATE_COMPLAINT_DECISION and not case.late_decision:
        found.append(
            f"{case.reference} has no decision on the late complaint yet; record the decision "
            "(accepted or declined, with the reasons) before the letter is approved."
        )
    found += _next_step_problems(kind, stage, policy, text)
    if kind != LetterKind.FINAL_RESPONSE:
        return found
    empty = [heading(n) for n in REQUIRED_SECTIONS if not text.get(n, "").strip()]
    if empty:
        listed = "', '".join(empty)
        found.append(
            f"The section{'s' if len(empty) > 1 else ''} '{listed}' "
            f"{'are' if len(empty) > 1 else 'is'} empty; a final response must set out the "
            "issues, how they were investigated, what happened and the conclusions."
        )
    issues = list(case.issues.filter(stage=stage).order_by("number"))
    if not issues:
        found.append(
            f"{case.reference} has no issues at stage {stage}; the response must answer "
            "the issues agreed with the complainant."
        )
    unanswered = [str(i.number) for i in issues if not i.finding]
    if unanswered:
        found.append(
            f"Issue {', '.join(unanswered)} has no finding yet; record a finding for every "
            "issue before the response is approved."
        )
    # App D 4: the issues as agreed, every one of them as the case holds them now (the
    # conclusions are the writer's words, checked only for being there).
    listed = text.get("issues", "")
    missing = [i for i in issues if listed.strip() and not _mentions_issue(listed, i)]
    if missing:
        named = "; ".join(f"issue {i.number}, '{i.description}'" for i in missing)
        found.append(
            f"The section '{heading('issues')}' does not cover {named}; add "
            f"{'them' if len(missing) > 1 else 'it'} (issues added after the letter was "
            "started are not in its text)."
        )
    upheld = [str(i.number) for i in issues if i.finding in (Finding.UPHELD, Finding.PARTLY_UPHELD)]
    if upheld and not text.get("apology", "").strip():
        found.append(
            f"The apology section is empty, but issue {', '.join(upheld)} is upheld or partly "
            "upheld; apologise for what went wrong."
        )
    return found
