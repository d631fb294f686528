"""Answering a case as staff do (R22, R26): where the organisation's policy signs the final
response off, the case is responded only when its signed final response is dispatched. These
helpers take a case there through the real actions: the findings, the outcome, then the
letter drafted, approved at every step of its chain by people who hold the step's roles
(made members as needed) and dispatched."""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib.auth import get_user_model

from candour.cases.investigation import record_finding, record_outcome
from candour.cases.models import Case
from candour.letters import signoff
from candour.letters.compose import GUIDANCE
from candour.letters.dispatch import dispatch_letter
from candour.letters.models import Letter
from candour.organisations.models import Membership, Organisation
from candour.organisations.setup import add_member, set_policy

WORDS = {
    "apology": "I am sorry that we let you down.",
    "investigation": "We read your records and spoke to the staff involved.",
    "explanation": "We looked at what happened step by step.",
    "learning": "We have changed how we work so that it does not happen again.",
}


def holder(case: Case, roles: list[str]):
    """Someone holding one of `roles` at the case's organisation or above; made if none."""
    lineage = [int(i) for i in case.organisation.path.strip("/").split("/") if i]
    found = (
        Membership.objects.filter(organisation_id__in=lineage, role__name__in=roles)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if found is not None:
        return found.user
    name = re.sub(r"[^a-z]+", ".", roles[0].lower()).strip(".")
    user = get_user_model().objects.create_user(f"{name}.{case.organisation.code.lower()}")
    add_member(user, case.organisation, roles[0])
    return user


def reload(case: Case) -> Case:
    return Case.objects.select_related("organisation").get(pk=case.pk)


def find_all(case: Case, by, finding: str = "upheld") -> Case:
    """A finding on every issue at the case's stage that has none."""
    for issue in case.issues.filter(stage=case.stage, finding=""):
        record_finding(
            case, by=by, issue_number=issue.number, finding=finding, summary="It happened."
        )
    return reload(case)


def signed_final_response(case: Case, after_each=lambda: None) -> Letter:
    """The final response of the case's current stage, drafted, approved at every step of
    its chain and signed: ready to send. `after_each` runs after each action (each its own
    transaction on a server)."""
    case = reload(case)
    chain = case.organisation.policy.chain_for("final_response", case.stage)
    first = chain.steps[0]
    letter = signoff.start_letter(case, "final_response", by=holder(case, first.roles))
    after_each()
    written = False
    while True:
        letter = Letter.objects.select_related("case__organisation").get(pk=letter.pk)
        if not letter.step:
            return letter
        index = chain.index(letter.step)
        step = chain.steps[index]
        if index == chain.drafting_index and not written:
            version = letter.versions.order_by("-number").first()
            sections = [
                [
                    name,
                    GUIDANCE.sub(WORDS.get(name, "Synthetic words."), text) or WORDS.get(name, ""),
                ]
                for name, text in version.sections
            ]
            signoff.revise(letter, by=holder(case, step.roles), sections=sections)
            after_each()
            written = True
        for role in step.roles if step.joint else step.roles[:1]:
            signoff.approve(letter, by=holder(case, [role] if step.joint else step.roles))
            after_each()


def send_final_response(
    case: Case, *, sent_at: datetime | None = None, letter=None, after_each=lambda: None
) -> Case:
    """Dispatch the signed final response (signing it first if not given) at `sent_at`: the
    case's response. Returns the case as it is then."""
    letter = letter or signed_final_response(case, after_each)
    chain = signoff.chain_of(letter)
    option = chain.dispatch[0]
    dispatch_letter(
        letter, by=holder(letter.case, option.roles), channel=option.channel, sent_at=sent_at
    )
    after_each()
    return reload(case)


def respond(
    case: Case,
    by,
    *,
    summary: str = "We apologise; the process has changed.",
    finding: str = "upheld",
    sent_at: datetime | None = None,
) -> Case:
    """Every issue found, the outcome recorded and the response sent at `sent_at`: by
    `record_outcome` where the policy has no sign-off chain for the final response, else by
    dispatching the signed final response."""
    case = find_all(case, by, finding)
    chain = case.organisation.policy.chain_for("final_response", case.stage)
    case = record_outcome(case, by=by, summary=summary, at=None if chain else sent_at)
    if chain is None:
        return case
    return send_final_response(case, sent_at=sent_at)


def without_sign_off(organisation, **changes):
    """The organisation's policy with no sign-off chains (and any other `changes`): its
    formal complaints are answered by recording the outcome."""
    data = {**organisation.policy.model_dump(mode="json"), "sign_off": [], **changes}
    set_policy(organisation, data, by=None)
    return Organisation.objects.get(pk=organisation.pk)
