"""Where a case goes beyond the organisation: forwarded to the provider it is about (R32,
"provider-led"; to a provider in Candour as a case of the provider's own, whose response the
commissioner sees), and taken to the Ombudsman or an ADR provider (R30)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from datetime import date, datetime

from django.utils import timezone

from candour.audit.chain import record
from candour.cases import deadlines
from candour.cases.changes import HAPPENED_AT, apply
from candour.cases.consent import share_consent_given
from candour.cases.intake import InvalidCase, NewCase, record_forwarded, when_on_case
from candour.cases.models import (
    Case,
    Channel,
    ConsentState,
    Issue,
    OmbudsmanBody,
    OmbudsmanOutcome,
    OmbudsmanReferral,
    Outcome,
    PartyRole,
    Person,
    Relationship,
    Status,
)
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed, ensure_can, lock
from candour.config.transactions import atomic
from candour.organisations.models import Organisation, OrganisationKind


def _provider(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidCase("provider", "is empty; name the provider the complaint is about")
    if len(name) > 200:
        raise InvalidCase("provider", "is longer than 200 characters")
    return name


@atomic
def name_provider(case: Case, *, by, provider: str) -> Case:
    """Record which provider the feedback is about (a compliment or complaint about a
    commissioned service, 003 §7-§8)."""
    case = lock(case)
    ensure_can(case, "name_provider", by)
    return apply(
        case,
        "name_provider",
        by=by,
        event="provider_named",
        changes={"provider_name": _provider(provider)},
    )


# The kinds of organisation that provide care, to which a commissioner forwards (R32).
PROVIDER_KINDS = (
    OrganisationKind.TRUST,
    OrganisationKind.PRACTICE,
    OrganisationKind.CLINIC,
    OrganisationKind.SITE,
    OrganisationKind.OTHER,
)


def providers_for(case: Case):
    """The organisations in Candour that `case` may be forwarded to: those that provide care,
    other than the case's own."""
    return Organisation.objects.filter(kind__in=PROVIDER_KINDS).exclude(pk=case.organisation_id)


@atomic
def forward_to_provider(
    case: Case,
    *,
    by,
    provider: str = "",
    organisation: Organisation | None = None,
    at: datetime | None = None,
    note: str = "",
) -> Case:
    """R32 (002 §10.6, 003 §3.7): with the complainant's consent to share it (recorded first:
    consent.record_share_consent), a commissioner passes a complaint about a provider to that
    provider, which answers directly and copies the commissioner. The commissioner's case
    closes as forwarded; reports count it as provider-led; it is not reopened here (002 §11.2).

    The provider is an `organisation` in Candour where it is one: the complaint then becomes a
    case of the provider's own, with only what was forwarded (the complaint, its people and
    open issues, not the commissioner's notes, contacts or referrals), which the provider's
    staff see and answer as any other; the commissioner sees that case's response
    (`provider_response`) and nothing else of it. Otherwise the provider is named (`provider`).
    """
    case = lock(case)
    ensure_can(case, "forward_to_provider", by)
    if not case.consent_satisfied:
        raise TransitionNotAllowed(
            f"{case.reference} needs the patient's consent before it is passed to the "
            "provider; record the consent first."
        )
    if organisation is not None and provider.strip():
        raise InvalidCase(
            "provider",
            "give either a provider in Candour or the name of one outside it, not both",
        )
    if organisation is not None:
        if not providers_for(case).filter(pk=organisation.pk).exists():
            raise InvalidCase(
                "provider_organisation", "is not a provider this case can be forwarded to"
            )
        provider = organisation.name
    elif not provider.strip():
        raise InvalidCase(
            "provider",
            "is empty; choose the provider from the organisations in Candour, or name one "
            "outside it",
        )
    provider = _provider(provider)
    at = when_on_case(case, at, after=case.consent_received_at, what="consent was given")
    at = when_on_case(
        case,
        at,
        after=case.share_consent_at,
        what="the complainant agreed to share it with the provider",
    )
    forwarded = None
    if organisation is not None:
        forwarded = _provider_case(case, organisation, by=by, at=at, note=note.strip())
    return apply(
        case,
        "forward_to_provider",
        by=by,
        event="forwarded_to_provider",
        changes={
            "provider_name": provider,
            "provider_organisation": organisation,
            "forwarded_to_provider_at": at,
            "closed_at": at,
            "outcome": Outcome.FORWARDED,
        },
        at=at,
        note=note.strip(),
        provider_reference=forwarded.reference if forwarded else "",
    )


# A provider's case takes further issues while it is still being handled there.
TAKES_ISSUES = (Status.RECEIVED, Status.OPEN, Status.PAUSED)


def _add_issues(case: Case, descriptions: list[str]) -> list[int]:
    """The issues added to `case` at its current stage, numbered on from its last."""
    last = max((i.number for i in case.issues.all()), default=0)
    Issue.objects.bulk_create(
        Issue(case=case, number=last + n, stage=case.stage, description=text)
        for n, text in enumerate(descriptions, 1)
    )
    return [last + n for n in range(1, len(descriptions) + 1)]


@atomic
def forward_further_issues(
    case: Case,
    *,
    by,
    issues: list[str],
    consent: str,
    consent_note: str = "",
    at: datetime | None = None,
    note: str = "",
) -> Case:
    """R32 (002 §10.6, 003 §3.7): issues the complainant raises after the complaint was
    forwarded are passed to the provider too, with the complainant's consent to share them
    (`consent`: how they agreed, or not_needed with the reason in `consent_note`), as the
    complaint itself was. They are added to this case (its record of what was forwarded) and,
    for a provider in Candour, to the provider's case, with an entry in its timeline; that
    case must still be being handled (an answered one takes a new complaint instead). One
    audited event on each case, in one transaction."""
    case = lock(case)
    ensure_can(case, "forward_further_issues", by)
    texts = [t.strip() for t in issues if t and t.strip()]
    if not texts:
        raise InvalidCase("issues", "is empty; state each further issue the provider must answer")
    if any(len(t) > 2000 for t in texts):
        raise InvalidCase("issues", "has an issue longer than 2,000 characters; shorten it")
    consent_note = share_consent_given(
        consent, consent_note, ("consent", "consent_note"), " these issues"
    )
    at = when_on_case(
        case, at, after=case.forwarded_to_provider_at, what="the complaint was forwarded"
    )
    linked = None
    if case.provider_organisation_id is not None:
        found = Case.objects.filter(forwarded_from=case).values_list("pk", flat=True).first()
        linked = lock(Case(pk=found)) if found is not None else None
    if linked is not None and linked.status not in TAKES_ISSUES:
        raise TransitionNotAllowed(
            f"The provider's case {linked.reference} at {linked.organisation.name} is now "
            f"'{linked.get_status_display()}', so it takes no further issues. Record them as a "
            "new complaint and forward that to the provider."
        )
    numbers = _add_issues(case, texts)
    shared = {
        "issues": texts,
        "consent": consent,
        "consent_note": consent_note,
        "note": note.strip(),
    }
    if linked is not None:
        record(
            "further_issues_received",
            actor=by,
            case=linked,
            from_organisation=case.organisation.name,
            from_reference=case.reference,
            issue_numbers=_add_issues(linked, texts),
            **shared,
            **{HAPPENED_AT: at},
        )
    return apply(
        case,
        "forward_further_issues",
        by=by,
        event="further_issues_forwarded",
        at=at,
        provider=case.provider_name,
        provider_reference=linked.reference if linked is not None else "",
        issue_numbers=numbers,
        **shared,
    )


def _details(person: Person) -> PersonDetails:
    return PersonDetails(**{f.name: getattr(person, f.name) for f in fields(PersonDetails)})


def _provider_case(case: Case, organisation: Organisation, *, by, at: datetime, note: str) -> Case:
    """The forwarded complaint as a case of the provider's, received when it was forwarded.
    Its time limit is judged from when the complaint was first made (to the commissioner), by
    the provider's policy; a late complaint is the provider's to decide."""
    parties = {p.role: p for p in case.parties.select_related("person")}
    complainant = parties.get(PartyRole.COMPLAINANT)
    patient = parties.get(PartyRole.PATIENT)
    given = case.consent_state in (ConsentState.RECEIVED, ConsentState.OVERRIDDEN)
    consent_note = ""
    if given:
        when = deadlines.fmt(deadlines.local(case.consent_received_at or at).date())
        consent_note = (
            f"{case.get_consent_state_display()} by {case.organisation.name} ({case.reference}) "
            f"on {when}" + (f": {case.consent_note}" if case.consent_note else "")
        )
    new = NewCase(
        kind=case.kind,
        channel=Channel.VIA_COMMISSIONER,
        received_at=at,
        description=case.description,
        complainant=_details(complainant.person) if complainant else None,
        patient=_details(patient.person) if patient else None,
        relationship=complainant.relationship if complainant else Relationship.SELF,
        relationship_detail=complainant.relationship_detail if complainant else "",
        event_date=case.event_date,
        learned_date=case.learned_date,
        desired_outcome=case.desired_outcome,
        service=case.service,
        staff_involved=case.staff_involved,
        anonymous=case.anonymous,
        confidential=case.confidential,
        consent_state=case.consent_state if given else None,
        consent_note=consent_note,
        issues=[i.description for i in case.issues.filter(stage=case.stage).order_by("number")],
    )
    forwarded = record_forwarded(
        organisation,
        new,
        by=by,
        forwarded_from=case.reference,
        forwarded_by=case.organisation.name,
        note=note,
    )
    made = copy.copy(forwarded)
    made.received_at = case.received_at
    forwarded.forwarded_from = case
    forwarded.out_of_time = deadlines.is_out_of_time(
        made, organisation.policy, organisation.working_calendar()
    )
    forwarded.save(update_fields=["forwarded_from", "out_of_time"])
    return forwarded


@dataclass(frozen=True)
class ProviderResponse:
    """What the commissioner sees of a case it forwarded to a provider in Candour: the copy of
    the response (003 §3.7, "The provider will respond directly to the complainant with a
    copy to the CCG"), and where the provider's case has got to. Nothing else of it."""

    organisation: str
    reference: str
    status: str
    responded_at: datetime | None
    outcome: str
    summary: str


def provider_response(case: Case) -> ProviderResponse | None:
    """The response of the provider's case that `case` was forwarded as, or None if it was not
    forwarded to a provider in Candour. Read by whoever may see `case`, deliberately: it is
    the copy the commissioner is owed, and only these fields of the provider's case."""
    if not case.forwarded_to_provider_at or case.provider_organisation_id is None:
        return None
    linked = (
        Case.objects.filter(forwarded_from=case)
        .select_related("organisation")
        .prefetch_related("responses")
        .first()
    )
    if linked is None:
        return None
    sent = next((r for r in linked.responses.all() if r.stage == 1), None)
    if sent is not None:
        when, outcome, summary = sent.responded_at, Outcome(sent.outcome).label, sent.summary
    elif linked.status in (Status.CLOSED, Status.WITHDRAWN):  # resolved informally, withdrawn
        when = linked.closed_at or linked.withdrawn_at
        outcome, summary = linked.get_outcome_display(), linked.outcome_summary
    else:
        when, outcome, summary = None, "", ""
    return ProviderResponse(
        organisation=linked.organisation.name,
        reference=linked.reference,
        status=linked.get_status_display(),
        responded_at=when,
        outcome=outcome,
        summary=summary,
    )


def _day(value: date | None, field: str, not_before: date | None = None, what: str = "") -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidCase(field, "must be a date")
    if value > timezone.localdate():
        raise InvalidCase(field, "is in the future")
    if not_before and value < not_before:
        raise InvalidCase(field, f"is before {what}")
    return value


@atomic
def refer_to_ombudsman(
    case: Case,
    *,
    by,
    body: str,
    referred_on: date,
    body_name: str = "",
    note: str = "",
) -> OmbudsmanReferral:
    """R30: the complainant took the complaint to the Ombudsman (or, for private care, an
    ADR provider) after the organisation's response."""
    case = lock(case)
    ensure_can(case, "refer_to_ombudsman", by)
    if body not in OmbudsmanBody.values:
        raise InvalidCase("body", f"must be one of {', '.join(OmbudsmanBody.values)}")
    body_name = (body_name or "").strip()
    if body == OmbudsmanBody.ADR and not body_name:
        raise InvalidCase("body_name", "is empty; name the ADR provider")
    received = timezone.localdate(case.received_at)
    referred_on = _day(referred_on, "referred_on", received, "the case was received")
    referral = OmbudsmanReferral.objects.create(
        case=case, body=body, body_name=body_name, referred_on=referred_on, note=note.strip()
    )
    record(
        "ombudsman_referral_recorded",
        actor=by,
        case=case,
        referral=referral.pk,
        body=body,
        body_name=body_name,
        referred_on=referred_on,
        happened_at=referred_on,
    )
    return referral


def ombudsman_referral(case: Case, number: int) -> OmbudsmanReferral:
    """The case's referral `number` (1 is the first recorded: OmbudsmanReferral.numbered)."""
    numbered = dict(OmbudsmanReferral.numbered(case.ombudsman_referrals.all()))
    if number not in numbered:
        raise InvalidCase(
            "number", f"there is no Ombudsman or ADR referral {number} on {case.reference}"
        )
    return numbered[number]


def _deadlines_moved(case: Case) -> None:
    """The information request is one of the case's deadlines (deadlines.item_deadlines):
    write its next due date again when a step changes it."""
    moved = deadlines.refresh(case)
    if moved:
        case.save(update_fields=moved)


def _locked_referral(referral: OmbudsmanReferral, by, action: str) -> OmbudsmanReferral:
    # The case first, then its referral: the order of workflow.lock (docs/adr/0016).
    case = lock(Case(pk=referral.case_id))
    referral = OmbudsmanReferral.objects.select_for_update(no_key=True).get(pk=referral.pk)
    ensure_can(case, action, by)
    referral.case = case
    return referral


@atomic
def request_ombudsman_information(
    referral: OmbudsmanReferral, *, by, requested_on: date, due: date
) -> OmbudsmanReferral:
    """The Ombudsman asked for the complaint file by a date."""
    referral = _locked_referral(referral, by, "record_ombudsman_step")
    requested_on = _day(requested_on, "requested_on", referral.referred_on, "the referral")
    if not isinstance(due, date) or due < requested_on:
        raise InvalidCase("due", "must be a date on or after the request")
    before = {"requested_on": referral.information_requested_on, "due": referral.information_due}
    referral.information_requested_on, referral.information_due = requested_on, due
    referral.save(update_fields=["information_requested_on", "information_due"])
    _deadlines_moved(referral.case)
    record(
        "ombudsman_information_requested",
        actor=by,
        case=referral.case,
        referral=referral.pk,
        happened_at=requested_on,
        before=before,
        after={"requested_on": requested_on, "due": due},
    )
    return referral


@atomic
def send_ombudsman_information(
    referral: OmbudsmanReferral, *, by, sent_on: date
) -> OmbudsmanReferral:
    referral = _locked_referral(referral, by, "record_ombudsman_step")
    if referral.information_requested_on is None:
        raise TransitionNotAllowed("No information has been requested on this referral.")
    sent_on = _day(sent_on, "sent_on", referral.information_requested_on, "the request")
    referral.information_sent_on = sent_on
    referral.save(update_fields=["information_sent_on"])
    _deadlines_moved(referral.case)
    late = referral.information_due is not None and sent_on > referral.information_due
    record(
        "ombudsman_information_sent",
        actor=by,
        case=referral.case,
        referral=referral.pk,
        sent_on=sent_on,
        happened_at=sent_on,
        late=late,
    )
    return referral


@atomic
def record_ombudsman_outcome(
    referral: OmbudsmanReferral, *, by, outcome: str, decided_on: date, summary: str = ""
) -> OmbudsmanReferral:
    """R30: upheld, partly upheld, not upheld, declined, or closed without investigation,
    decided on a day not before the referral's last step (the referral, the Ombudsman's
    request for information, or the information sent)."""
    referral = _locked_referral(referral, by, "record_ombudsman_step")
    if outcome not in OmbudsmanOutcome.values:
        raise InvalidCase("outcome", f"must be one of {', '.join(OmbudsmanOutcome.values)}")
    steps = [
        (referral.referred_on, "the referral"),
        (referral.information_requested_on, "the Ombudsman asked for information"),
        (referral.information_sent_on, "the information was sent"),
    ]
    last, what = max(((d, w) for d, w in steps if d), key=lambda step: step[0])
    decided_on = _day(decided_on, "decided_on", last, what)
    before = {"outcome": referral.outcome, "decided_on": referral.decided_on}
    referral.outcome, referral.decided_on = outcome, decided_on
    referral.outcome_summary = (summary or "").strip()
    referral.save(update_fields=["outcome", "decided_on", "outcome_summary"])
    _deadlines_moved(referral.case)
    record(
        "ombudsman_outcome_recorded",
        actor=by,
        case=referral.case,
        referral=referral.pk,
        happened_at=decided_on,
        before=before,
        after={"outcome": outcome, "decided_on": decided_on},
    )
    return referral
