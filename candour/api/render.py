"""Cases as the API shows them. Identities follow R8 through the access module: a
confidential complainant is shown only to staff who may see them."""

from __future__ import annotations

from dataclasses import asdict

from candour.api.schemas import (
    CaseDetail,
    CaseItem,
    EvidenceOut,
    HandlingPlanOut,
    OmbudsmanReferralOut,
    PersonOut,
    RemedyOut,
    StaffOut,
    StageResponseOut,
    StatementOut,
)
from candour.cases import contacts, deadlines, escalation, referrals
from candour.cases.access import complainant_name, parties_as_seen_by
from candour.cases.models import Case, HandlingPlan, OmbudsmanReferral
from candour.cases.workflow import allowed_actions


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def item(user, case: Case) -> dict:
    return {
        "reference": case.reference,
        "organisation": case.organisation.code,
        "kind": case.kind,
        "status": case.status,
        "stage": case.stage,
        "received_at": case.received_at,
        "acknowledge_due": case.acknowledge_due,
        "response_due": case.response_due,
        "next_due": case.next_due,
        "grade": case.grade,
        "complainant": complainant_name(user, case),
        "handler": _username(case.handler),
    }


def deadline(d: deadlines.Deadline) -> dict:
    return {
        "key": d.key,
        "label": d.label,
        "due": d.due,
        "due_at": d.due_at,
        "basis": d.basis,
        "state": str(d.state),
        "met": d.met,
        "completed_at": d.completed_at,
    }


def deadlines_of(case: Case) -> list[dict]:
    return [deadline(d) for d in deadlines.for_case(case)]


def action(a) -> dict:
    return {
        "number": a.number,
        "description": a.description,
        "owner": _username(a.owner),
        "due": a.due,
        "promised": a.promised,
        "status": a.status,
        "themes": [t.name for t in a.themes.all()],
        "created_at": a.created_at,
        "evidence": a.evidence,
        "completed_at": a.completed_at,
        "completed_by": _username(a.completed_by),
        "verification": a.verification,
        "verified_at": a.verified_at,
        "verified_by": _username(a.verified_by),
        "cancelled_reason": a.cancelled_reason,
    }


def lesson(x) -> dict:
    return {
        "number": x.number,
        "text": x.text,
        "themes": [t.name for t in x.themes.all()],
        "recorded_at": x.recorded_at,
        "recorded_by": _username(x.recorded_by),
    }


REFERRAL_FIELDS = [
    "number", "kind", "body", "detail", "identified_at", "due", "due_at", "due_basis",
    "referred_at", "their_reference", "note",
]  # fmt: skip


def referral(case: Case, r) -> dict:
    out = {name: getattr(r, name) for name in REFERRAL_FIELDS}
    out["owner"] = _username(r.owner)
    out["pause_offered"] = referrals.pause_offered(case, r)
    return out


def _fields(row, schema) -> dict:
    return {name: getattr(row, name) for name in schema.model_fields}


def investigation(case: Case) -> dict:
    """The handling plan and the investigation's records (R18, R21)."""
    try:
        plan = case.handling_plan
    except HandlingPlan.DoesNotExist:
        plan = None
    return {
        "handling_plan": _fields(plan, HandlingPlanOut) if plan else None,
        "staff": [_fields(s, StaffOut) for s in case.staff.all()],
        "statement_requests": [
            {**_fields(r, StatementOut), "staff": r.staff.number}
            for r in case.statement_requests.all()
        ],
        "evidence": [_fields(e, EvidenceOut) for e in case.evidence.all()],
        "remedies": [_fields(r, RemedyOut) for r in case.remedies.all()],
    }


OMBUDSMAN_FIELDS = [f for f in OmbudsmanReferralOut.model_fields if f != "number"]


def ombudsman_referrals(case: Case) -> list[dict]:
    return [
        {"number": number, **{name: getattr(r, name) for name in OMBUDSMAN_FIELDS}}
        for number, r in OmbudsmanReferral.numbered(case.ombudsman_referrals.all())
    ]


def contact(seen: contacts.Seen) -> dict:
    entry = seen.entry
    return {
        "number": entry.number,
        "happened_at": entry.happened_at,
        "channel": entry.channel,
        "direction": entry.direction,
        "party": seen.party,
        "name": seen.name,
        "with_whom": seen.with_whom,
        "summary": entry.summary,
        "recorded_at": entry.recorded_at,
        "recorded_by": _username(entry.recorded_by),
        "attachments": [a.pk for a in entry.attachments.all()],
    }


def contacts_of(user, case: Case) -> list[dict]:
    """The contact log as `user` may see it (R8)."""
    return [contact(seen) for seen in contacts.as_seen_by(user, case)]


# The plain fields are copied by name from the schema; the rest are built in detail().
BUILT = {
    "organisation_name",
    "stage_name",
    "recorded_by",
    "investigator",
    "people",
    "issues",
    "pauses",
}
BUILT |= {"deadlines", "allowed_actions", "actions", "lessons", "referrals"}
BUILT |= {"handling_plan", "staff", "statement_requests", "evidence", "remedies", "contacts"}
BUILT |= {"ombudsman_referrals", "responses"}
BUILT |= {"provider_organisation", "provider_response", "forwarded_from"}
DETAIL_FIELDS = [f for f in CaseDetail.model_fields if f not in set(CaseItem.model_fields) | BUILT]
PERSON_FIELDS = list(PersonOut.model_fields)


def detail(user, case: Case) -> dict:
    out = item(user, case)
    out.update({name: getattr(case, name) for name in DETAIL_FIELDS})
    out["organisation_name"] = case.organisation.name
    out["stage_name"] = case.organisation.policy.stage_name(case.stage)
    out["recorded_by"] = _username(case.recorded_by)
    out["investigator"] = _username(case.investigator)
    out["people"] = [
        {
            "role": p.role,
            "relationship": p.relationship,
            "relationship_detail": p.relationship_detail,
            "person": {name: getattr(p.person, name) for name in PERSON_FIELDS},
        }
        for p in parties_as_seen_by(user, case)
    ]
    out["issues"] = [
        {
            "number": i.number,
            "stage": i.stage,
            "description": i.description,
            "desired_outcome": i.desired_outcome,
            "finding": i.finding,
            "finding_summary": i.finding_summary,
            "found_at": i.found_at,
        }
        for i in case.issues.all()
    ]
    out["pauses"] = [
        {"reason": p.reason, "detail": p.detail, "started_at": p.started_at, "ended_at": p.ended_at}
        for p in case.pauses.all()
    ]
    out["actions"] = [action(a) for a in case.actions.all()]
    out["lessons"] = [lesson(x) for x in case.lessons.all()]
    out["referrals"] = [referral(case, r) for r in case.referrals.all()]
    out.update(investigation(case))
    out["ombudsman_referrals"] = ombudsman_referrals(case)
    out["contacts"] = contacts_of(user, case)
    out["deadlines"] = deadlines_of(case)
    out["responses"] = [
        {name: getattr(r, name) for name in StageResponseOut.model_fields}
        for r in case.responses.all()
    ]
    out.update(forwarding(case))
    out["allowed_actions"] = allowed_actions(case, user)
    return out


def forwarding(case: Case) -> dict:
    """R32: where a forwarded complaint went, and the copy of the provider's response; or,
    on the provider's case, where it came from. No query unless the case was forwarded."""
    response = escalation.provider_response(case)
    source = case.forwarded_from if case.forwarded_from_id else None
    return {
        "provider_organisation": (
            case.provider_organisation.code if case.provider_organisation_id else None
        ),
        "provider_response": asdict(response) if response else None,
        "forwarded_from": (
            {"organisation": source.organisation.name, "reference": source.reference}
            if source
            else None
        ),
    }
