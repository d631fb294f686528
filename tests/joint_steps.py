"""A joint complaint (R31) taken step by step through the real actions, for the tests that
walk every action (tests/web/test_case_actions.py) and the joint complaint's own tests."""

from __future__ import annotations

from datetime import date

from candour.cases import joint

DUE = date(2026, 11, 16)


def made_joint(case, by):
    joint.start_joint(case, by=by, lead_basis="most_issues", lead_reason="Most issues are ours.")
    return case


def with_part(case, by):
    joint.add_part(
        made_joint(case, by),
        by=by,
        organisation_name="Example Acute Trust",
        asked="Say when the clinic received the referral.",
        issues=[1],
        due=DUE,
    )
    return case


def part_shared(case, by):
    joint.share_part(
        with_part(case, by), by=by, number=1, consent="given", consent_on=date(2026, 11, 2)
    )
    return case


def unchanged(case, by):
    return case


# The case page's joint complaint forms: slug, case overrides, how to get the case ready, the
# form, the audit event it writes (as tests/web/test_case_actions.CASES).
FORMS = [
    (
        "joint-complaint",
        {},
        unchanged,
        {"lead_basis": "most_serious", "lead_reason": "The funding decision is ours."},
        "joint_complaint_started",
    ),
    (
        "joint-add-part",
        {},
        made_joint,
        {
            "organisation_name": "Example Acute Trust",
            "asked": "Say when the clinic received the referral.",
            "issues": "1",
            "due": "2026-11-16",
        },
        "joint_part_added",
    ),
    (
        "joint-share",
        {},
        with_part,
        {"part": "1", "consent": "given", "consent_on": "2026-11-02"},
        "joint_part_shared",
    ),
    (
        "joint-reply",
        {},
        part_shared,
        {"part": "1", "text": "Received on 20 October.", "reference": "EAT/1"},
        "joint_part_replied",
    ),
    (
        "joint-without",
        {},
        with_part,
        {"part": "1", "reason": "The complainant would not consent to sharing it."},
        "joint_part_gone_without",
    ),
    (
        "joint-change-part",
        {},
        with_part,
        {"part": "1", "issues": "1", "due": "2026-11-20", "organisation_name": "Example Trust"},
        "joint_part_changed",
    ),
    (
        "joint-withdraw-part",
        {},
        with_part,
        {"part": "1", "reason": "The trust was asked in error: it does not run the clinic."},
        "joint_part_withdrawn",
    ),
]
