"""The merge fields a letter template may use: a documented, limited set of names (R24).

Templates are rendered in Jinja's sandbox with these names only; any other name is an error
that names it. The recipient respects R8 (a confidential complainant's identity is shown only
to staff who may see it; an anonymous complainant has none) and R13 (a letter goes to the
representative when there is one).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from candour.cases.access import ANONYMOUS, CONFIDENTIAL, may_see_identity
from candour.cases.models import Case, CaseParty, Finding, PartyRole, Relationship
from candour.cases.responses import stage_start
from candour.organisations.models import Membership

# name → what it holds; the administrator's reference when editing a template.
MERGE_FIELDS: dict[str, str] = {
    "reference": "the case reference, for example WAL-2026-00012",
    "stage": "the stage of the complaint (1, 2, …)",
    "stage_name": "the stage's name in the policy, for example Local resolution",
    "next_stage": "the name of the policy's next stage, empty at its last stage (R29)",
    "escalation_rights": "true when this stage's response states the right to go to the "
    "escalation body (the last stage, or every stage where the policy says so)",
    "today": "the date of the letter, for example 2 November 2026",
    "received_date": "when this stage began: the complaint's receipt at stage 1, the request "
    "for the stage after that",
    "complaint_received_date": "when the complaint was first received",
    "acknowledged_date": "when it was acknowledged (empty if not yet)",
    "acknowledge_due": "when the acknowledgement is due",
    "response_due": "when the response is due",
    "agreed_response_date": "the response date agreed with the complainant (empty if none; a "
    "holding letter always has one)",
    "recipient.name": "the person the letter is to (the representative if there is one)",
    "recipient.salutation": "how to greet them, for example Ms Example",
    "recipient.address": "their address and postcode, one line per line",
    "recipient.is_representative": "true when the letter is to a representative",
    "organisation.name": "the organisation's name",
    "organisation.address": "its address",
    "organisation.telephone": "its telephone number",
    "organisation.email": "its email address",
    "handler.name": "the full name of the member of staff handling the case (empty if none)",
    "handler.job_title": "their job title: their role at the organisation",
    "handler.described": "name and job title, for example Jo Example (Complaints Manager); "
    "the job title alone (our Complaints Manager) when no name is recorded",
    "issues": "the issues at this stage: each has number, description, finding, finding_summary",
    "upheld": "true when any issue is upheld or partly upheld",
    "bereaved": "true when the patient has died",
    "rights_paragraph": "the policy's paragraph on the complainant's right to escalate",
    "escalation.name": "the escalation body (the Ombudsman or an ADR provider)",
    "escalation.address": "its address",
    "escalation.telephone": "its telephone number",
    "escalation.website": "its website",
    "late_decision": "the decision recorded on a late complaint: accepted, declined or empty",
    "late_decision_reason": "the reason recorded for a late complaint decision",
}

FINDING_WORDS = {
    Finding.UPHELD: "upheld",
    Finding.PARTLY_UPHELD: "partly upheld",
    Finding.NOT_UPHELD: "not upheld",
}


def address_lines(address: str, postcode: str = "") -> list[str]:
    """An address as its lines, without blank lines or spaces around them: a form's text area
    sends "\r\n" between lines, which Word would print as two breaks (a blank line)."""
    lines = [line.strip() for line in address.splitlines()]
    return [line for line in (*lines, postcode.strip().upper()) if line]


def organisation_fields(organisation) -> dict:
    """The letterhead: the organisation's name, postal address, telephone and email."""
    return {
        "name": organisation.name,
        "address": "\n".join(address_lines(organisation.address)),
        "telephone": organisation.telephone,
        "email": organisation.email,
    }


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _day(dt) -> date | None:
    return timezone.localtime(dt).date() if dt else None


def default_recipient(case: Case) -> CaseParty | None:
    """R13: a representative speaks for the patient; otherwise the complainant."""
    parties = {p.role: p for p in case.parties.select_related("person")}
    return parties.get(PartyRole.REPRESENTATIVE) or parties.get(PartyRole.COMPLAINANT)


def recipient_fields(user, case: Case, party: CaseParty | None) -> dict:
    if case.anonymous or party is None:
        name = ANONYMOUS if case.anonymous else ""
        return {
            "name": name,
            "salutation": "Sir or Madam",
            "address": "",
            "is_representative": False,
        }
    if not may_see_identity(user, case):
        return {
            "name": CONFIDENTIAL,
            "salutation": "Sir or Madam",
            "address": "",
            "is_representative": party.role == PartyRole.REPRESENTATIVE,
        }
    person = party.person
    surname = " ".join(p for p in (person.title, person.last_name) if p)
    address = "\n".join(address_lines(person.address, person.postcode))
    return {
        "name": person.full_name,
        "salutation": surname or person.full_name or "Sir or Madam",
        "address": address,
        "is_representative": party.role == PartyRole.REPRESENTATIVE,
    }


def fields_for(user, case: Case, recipient: CaseParty | None, *, today: date | None = None):
    organisation = case.organisation
    policy = organisation.policy
    issues = [
        {
            "number": i.number,
            "description": i.description,
            "finding": FINDING_WORDS.get(i.finding, ""),
            "finding_summary": i.finding_summary,
        }
        for i in case.issues.filter(stage=case.stage).order_by("number")
    ]
    parties = list(case.parties.select_related("person"))
    bereaved = any(p.person.deceased for p in parties if p.role == PartyRole.PATIENT) or any(
        p.relationship == Relationship.BEREAVED for p in parties
    )
    return {
        "reference": case.reference,
        "stage": case.stage,
        "stage_name": policy.stage_name(case.stage),
        "next_stage": policy.next_stage(case.stage) or "",
        "escalation_rights": policy.rights_at(case.stage),
        "today": long_date(today or timezone.localdate()),
        "received_date": long_date(_day(stage_start(case))),
        "complaint_received_date": long_date(_day(case.received_at)),
        "acknowledged_date": long_date(_day(case.acknowledged_at)),
        "acknowledge_due": long_date(case.acknowledge_due),
        "response_due": long_date(case.response_due),
        "agreed_response_date": long_date(case.agreed_response_date),
        "recipient": recipient_fields(user, case, recipient),
        "organisation": organisation_fields(organisation),
        "handler": staff_fields(case.handler, case),
        "issues": issues,
        "upheld": any(
            i.finding in (Finding.UPHELD, Finding.PARTLY_UPHELD)
            for i in case.issues.filter(stage=case.stage)
        ),
        "bereaved": bereaved,
        "rights_paragraph": policy.rights_paragraph,
        "escalation": {
            "name": policy.escalation.name,
            "address": policy.escalation.address,
            "telephone": policy.escalation.telephone,
            "website": policy.escalation.website,
        },
        "late_decision": case.late_decision,
        "late_decision_reason": case.late_decision_reason,
    }


def job_title(user, case: Case) -> str:
    """The member of staff's job title: the role they hold at the case's organisation, or
    the nearest organisation above it, in the order of the policy's roles."""
    if user is None:
        return ""
    ids = [int(i) for i in case.organisation.path.strip("/").split("/") if i]
    held = Membership.objects.filter(user=user, organisation_id__in=ids).values_list(
        "organisation_id", "role__name"
    )
    if not held:
        return ""
    order = {name: i for i, name in enumerate(case.organisation.policy.roles)}
    depth = {org_id: i for i, org_id in enumerate(ids)}
    return min(held, key=lambda r: (-depth[r[0]], order.get(r[1], len(order)), r[1]))[1]


def staff_fields(user, case: Case) -> dict:
    """How a letter names a member of staff (R17: the handler's contact details): their full
    name and job title. Never their username; with no name recorded, the job title alone."""
    name = (user.get_full_name().strip() if user is not None else "") or ""
    title = job_title(user, case)
    described = name or (f"our {title}" if title else "")
    if name and title:
        described = f"{name} ({title})"
    return {"name": name, "job_title": title, "described": described}


def sample_fields() -> dict:
    """Every merge field with a made-up value, to check a template before it is saved."""
    return {
        "reference": "ORG-2026-00001",
        "stage": 1,
        "stage_name": "Local resolution",
        "next_stage": "Further local resolution",
        "escalation_rights": True,
        "today": "2 November 2026",
        "received_date": "20 October 2026",
        "complaint_received_date": "20 October 2026",
        "acknowledged_date": "21 October 2026",
        "acknowledge_due": "23 October 2026",
        "response_due": "24 November 2026",
        "agreed_response_date": "",
        "recipient": {
            "name": "Ms Ada Example",
            "salutation": "Ms Example",
            "address": "1 Example Street\nWS1 1AA",
            "is_representative": False,
        },
        "organisation": {
            "name": "Example Practice",
            "address": "2 High Street",
            "telephone": "01234 567890",
            "email": "complaints@example.invalid",
        },
        "handler": {
            "name": "Ada Handler",
            "job_title": "Complaints Manager",
            "described": "Ada Handler (Complaints Manager)",
        },
        "issues": [
            {
                "number": 1,
                "description": "No call back",
                "finding": "upheld",
                "finding_summary": "The call was not made.",
            }
        ],
        "upheld": True,
        "bereaved": True,
        "rights_paragraph": "You may ask the Ombudsman to look at your complaint.",
        "escalation": {
            "name": "Ombudsman",
            "address": "Millbank",
            "telephone": "0345",
            "website": "www.example.invalid",
        },
        "late_decision": "declined",
        "late_decision_reason": "A good reason.",
    }
