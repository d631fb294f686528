"""Beyond the organisation: POST /api/v1/cases/{reference}/... to name or forward to the
provider a case is about (R32), and to record an Ombudsman or ADR referral and its steps
(R30). Each calls the domain function the case page's form calls
(candour/cases/escalation.py) and returns the case as it now is; a referral is named by its
number on the case (1 for the first recorded).
"""

from __future__ import annotations

from ninja import Router, Status

from candour.api.actions import _case, _done
from candour.api.schemas import (
    WRITE_ERRORS,
    CaseDetail,
    ForwardIn,
    FurtherIssuesIn,
    InformationRequestIn,
    InformationSentIn,
    NumberInPath,
    OmbudsmanOutcomeIn,
    OmbudsmanReferralIn,
    ProviderIn,
    Reference,
    ShareConsentIn,
    performs,
)
from candour.cases import consent, escalation
from candour.cases.intake import InvalidCase
from candour.organisations.models import Organisation

router = Router(tags=["case actions"])

DONE = {200: CaseDetail, **WRITE_ERRORS}


@router.post("/{reference}/provider", response=DONE, **performs("name_provider"))
def name_provider(request, reference: Reference, payload: ProviderIn):
    """Name the provider the feedback is about (a commissioned service, R32)."""
    escalation.name_provider(_case(request, reference), by=request.auth, provider=payload.provider)
    return _done(request, reference)


@router.post("/{reference}/share-consent", response=DONE, **performs("record_share_consent"))
def record_share_consent(request, reference: Reference, payload: ShareConsentIn):
    """The complainant's consent to pass the complaint to the provider it is about (R12,
    R32), how and when; or `not_needed`, with the reason in `note`. Forwarding needs it."""
    consent.record_share_consent(
        _case(request, reference),
        by=request.auth,
        method=payload.method,
        note=payload.note,
        at=payload.at,
    )
    return _done(request, reference)


@router.post("/{reference}/forward-to-provider", response=DONE, **performs("forward_to_provider"))
def forward_to_provider(request, reference: Reference, payload: ForwardIn):
    """With the complainant's consent to share it, pass the complaint to the provider, which
    answers directly; the case closes here, is counted as provider-led and is not reopened
    here (R32). A provider in Candour (`provider_organisation`) gets it as a case of its own,
    and this case shows its response (`provider_response`); one outside is named
    (`provider`)."""
    organisation = None
    if payload.provider_organisation:
        organisation = Organisation.objects.filter(
            code=payload.provider_organisation.upper()
        ).first()
        if organisation is None:
            raise InvalidCase(
                "provider_organisation",
                "is not the code of an organisation in Candour; name the provider in "
                "'provider' instead",
            )
    escalation.forward_to_provider(
        _case(request, reference),
        by=request.auth,
        provider=payload.provider,
        organisation=organisation,
        at=payload.at,
        note=payload.note,
    )
    return _done(request, reference)


@router.post("/{reference}/further-issues", response=DONE, **performs("forward_further_issues"))
def forward_further_issues(request, reference: Reference, payload: FurtherIssuesIn):
    """Issues raised after the complaint was forwarded to the provider, passed on with the
    complainant's consent to share them (R32): added to this case and, for a provider in
    Candour, to its case with an entry in its timeline, while that case is still being handled
    (409 once it is answered: forward them as a new complaint)."""
    escalation.forward_further_issues(
        _case(request, reference),
        by=request.auth,
        issues=payload.issues,
        consent=payload.consent,
        consent_note=payload.consent_note,
        at=payload.at,
        note=payload.note,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/ombudsman-referrals",
    response={201: CaseDetail, **WRITE_ERRORS},
    **performs("refer_to_ombudsman"),
)
def refer_to_ombudsman(request, reference: Reference, payload: OmbudsmanReferralIn):
    """The complainant took the complaint to the Ombudsman or an ADR provider (R30)."""
    escalation.refer_to_ombudsman(
        _case(request, reference),
        by=request.auth,
        body=payload.body,
        body_name=payload.body_name,
        referred_on=payload.referred_on,
        note=payload.note,
    )
    return Status(201, _done(request, reference))


def _referral(request, reference: Reference, number: int):
    return escalation.ombudsman_referral(_case(request, reference), number)


@router.post(
    "/{reference}/ombudsman-referrals/{number}/information-request",
    response=DONE,
    **performs("record_ombudsman_step"),
)
def request_ombudsman_information(
    request, reference: Reference, number: NumberInPath, payload: InformationRequestIn
):
    """The Ombudsman asked for the complaint file by a date: a deadline of the case, and the
    case is in the worklist's "Information due to" its escalation body queue until it is sent."""
    escalation.request_ombudsman_information(
        _referral(request, reference, number),
        by=request.auth,
        requested_on=payload.requested_on,
        due=payload.due,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/ombudsman-referrals/{number}/information-sent",
    response=DONE,
    **performs("record_ombudsman_step"),
)
def send_ombudsman_information(
    request, reference: Reference, number: NumberInPath, payload: InformationSentIn
):
    """The information asked for was sent; the deadline is met if on or before its date."""
    escalation.send_ombudsman_information(
        _referral(request, reference, number), by=request.auth, sent_on=payload.sent_on
    )
    return _done(request, reference)


@router.post(
    "/{reference}/ombudsman-referrals/{number}/outcome",
    response=DONE,
    **performs("record_ombudsman_step"),
)
def record_ombudsman_outcome(
    request, reference: Reference, number: NumberInPath, payload: OmbudsmanOutcomeIn
):
    """What the Ombudsman or ADR provider decided (R30)."""
    escalation.record_ombudsman_outcome(
        _referral(request, reference, number),
        by=request.auth,
        outcome=payload.outcome,
        decided_on=payload.decided_on,
        summary=payload.summary,
    )
    return _done(request, reference)
