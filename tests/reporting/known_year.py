"""A year of synthetic cases with known answers, built through the real domain functions
with the clock moved to each event: the financial year 2025-26 of `org_a` (a commissioner,
so KO41a), with cases brought forward from 2024-25 and one after the year.

Every figure the tests expect is worked out by hand in test_annual.py and test_ko41.py from
the table below; change a case here and the answers there change with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from candour.cases.consent import receive_consent, record_share_consent
from candour.cases.escalation import (
    forward_to_provider,
    name_provider,
    record_ombudsman_outcome,
    refer_to_ombudsman,
    request_ombudsman_information,
)
from candour.cases.handling import acknowledge_case, agree_extension, withdraw_case
from candour.cases.intake import record_case, record_compliment, resolve_informally
from candour.cases.investigation import record_finding, record_outcome
from candour.cases.people import PersonDetails
from candour.coding.codelists import load_shipped
from candour.coding.coding import code_case, save_theme

from ..conftest import at, new_case
from ..responding import send_final_response


def person(dob: date | None = None) -> PersonDetails:
    return PersonDetails(first_name="Sam", last_name="Example", date_of_birth=dob)


@dataclass
class Spec:
    name: str
    received: date
    kind: str = "complaint"
    complainant: PersonDetails | None = field(default_factory=person)
    patient: PersonDetails | None = None
    relationship: str = "self"
    issues: int = 1
    ack: date | None = None
    consent: date | None = None
    extend_to: tuple[date, date] | None = None  # (agreed on, new date)
    findings: tuple[str, ...] = ()
    responded: date | None = None
    withdrawn: date | None = None
    forwarded: date | None = None
    provider: str = ""
    subjects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    referred: date | None = None
    info: tuple[date, date] | None = None
    decided: tuple[str, date] | None = None


D = date
SPECS = [
    # Brought forward from 2024-25 (BF3 was answered before the year began).
    Spec(
        "BF1",
        D(2025, 3, 10),
        ack=D(2025, 3, 11),
        findings=("upheld",),
        responded=D(2025, 4, 1),
        subjects=("other",),
        referred=D(2025, 5, 1),
        decided=("declined", D(2025, 6, 1)),
    ),
    Spec("BF2", D(2025, 3, 20), ack=D(2025, 3, 21)),
    Spec(
        "BF3", D(2025, 2, 3), ack=D(2025, 2, 4), findings=("not_upheld",), responded=D(2025, 3, 1)
    ),
    # Q1
    Spec(
        "C1",
        D(2025, 4, 7),
        complainant=person(D(1995, 1, 1)),
        ack=D(2025, 4, 8),
        findings=("upheld",),
        responded=D(2025, 4, 21),
        subjects=("communications",),
        services=("outpatients",),
        professions=("medical",),
        themes=("Continuing healthcare",),
    ),
    Spec(
        "C2",
        D(2025, 5, 12),
        patient=person(D(1955, 1, 1)),
        relationship="relative",
        ack=D(2025, 5, 13),
        consent=D(2025, 5, 13),
        findings=("not_upheld",),
        responded=D(2025, 7, 11),
        subjects=("communications", "waiting_times"),
        services=("outpatients", "community_services"),
        professions=("medical", "nursing_midwifery"),
        themes=("Communication",),
    ),
    Spec("C3", D(2025, 6, 2), forwarded=D(2025, 6, 3), provider="Example Community Trust"),
    # Q2
    Spec(
        "C4",
        D(2025, 7, 7),
        issues=2,
        ack=D(2025, 7, 14),
        findings=("upheld", "not_upheld"),
        responded=D(2025, 7, 21),
        subjects=("clinical_treatment",),
        services=("inpatients",),
        professions=("medical",),
    ),
    Spec(
        "C5",
        D(2025, 8, 4),
        patient=person(D(2015, 1, 1)),
        relationship="parent_guardian",
        withdrawn=D(2025, 8, 20),
        subjects=("other",),
        services=("community_services",),
        professions=("nursing_midwifery",),
    ),
    Spec("C6", D(2025, 9, 1), forwarded=D(2025, 9, 2), provider="Example Acute Trust"),
    # Q3
    Spec(
        "C7",
        D(2025, 10, 6),
        complainant=person(D(1960, 1, 1)),
        ack=D(2025, 10, 7),
        extend_to=(D(2025, 11, 3), D(2025, 12, 19)),
        findings=("not_upheld",),
        responded=D(2025, 12, 15),
        subjects=("waiting_times",),
        services=("outpatients",),
        professions=("admin_management",),
    ),
    Spec(
        "C8",
        D(2025, 11, 3),
        complainant=None,
        subjects=("other",),
        services=("other",),
        professions=("other",),
    ),
    # Q4
    Spec(
        "C9",
        D(2026, 1, 12),
        complainant=person(D(1980, 6, 1)),
        ack=D(2026, 1, 13),
        findings=("upheld",),
        responded=D(2026, 2, 2),
        subjects=("communications",),
        services=("other",),
        professions=("admin_management",),
        themes=("Continuing healthcare",),
        referred=D(2026, 3, 2),
        info=(D(2026, 3, 5), D(2026, 3, 19)),
    ),
    Spec(
        "C10",
        D(2026, 3, 30),
        ack=D(2026, 3, 31),
        subjects=("appointments",),
        services=("mental_health",),
        professions=("medical",),
    ),
    # After the year.
    Spec("C11", D(2026, 4, 10), subjects=("other",)),
    # Other kinds in the year.
    Spec("K1", D(2025, 5, 1), kind="compliment"),
    Spec("K2", D(2025, 10, 1), kind="compliment", provider="Example Acute Trust"),
    Spec("K3", D(2026, 2, 1), kind="compliment"),
    Spec("M1", D(2025, 6, 10), kind="mp_enquiry", relationship="mp"),
    Spec("I1", D(2025, 4, 15), kind="inbox_enquiry"),
    Spec("I2", D(2025, 12, 1), kind="inbox_enquiry"),
    Spec("E1", D(2025, 9, 9), kind="enquiry"),
    Spec("N1", D(2025, 8, 8), kind="concern"),
]


def build_year(org, by, frozen) -> dict:
    """Record every case of SPECS; returns {name: case}."""
    load_shipped()
    frozen.move_to(at(D(2025, 1, 2)))
    save_theme(org, by=by, name="Continuing healthcare", subject_keys={"KO41a": "commissioning"})
    save_theme(org, by=by, name="Communication")
    cases = {}
    for s in SPECS:
        frozen.move_to(at(s.received, 9))
        new = new_case(
            kind=s.kind,
            received_at=at(s.received, 9),
            complainant=s.complainant,
            patient=s.patient,
            relationship=s.relationship,
            anonymous=s.complainant is None,
            issues=[f"Issue {i + 1}" for i in range(s.issues)],
        )
        if s.kind == "compliment":
            case = record_compliment(org, new, by=by)
        else:
            case = record_case(org, new, by=by)
        if s.provider and not s.forwarded:
            case = name_provider(case, by=by, provider=s.provider)
        if s.subjects:
            code_case(
                case,
                by=by,
                subjects=s.subjects,
                services=s.services,
                professions=s.professions,
                themes=s.themes,
            )
        if s.kind == "concern":
            case = resolve_informally(case, by=by, resolution="Put right by phone.")
        if s.forwarded:
            frozen.move_to(at(s.forwarded, 10))
            case = record_share_consent(case, by=by, method="written")
            case = forward_to_provider(case, by=by, provider=s.provider)
        if s.ack:
            frozen.move_to(at(s.ack, 10))
            case = acknowledge_case(case, by=by, method="letter")
        if s.consent:
            frozen.move_to(at(s.consent, 11))
            case = receive_consent(case, by=by, method="written")
        if s.extend_to:
            frozen.move_to(at(s.extend_to[0], 10))
            case = agree_extension(case, by=by, new_date=s.extend_to[1], reason="Agreed by phone.")
        if s.withdrawn:
            frozen.move_to(at(s.withdrawn, 10))
            case = withdraw_case(case, by=by, reason="No longer wishes to pursue it.")
        if s.responded:
            frozen.move_to(at(s.responded, 12))
            for number, finding in enumerate(s.findings, start=1):
                record_finding(case, by=by, issue_number=number, finding=finding, summary="Found.")
            case = record_outcome(case, by=by, summary="Our response.")
            # The commissioner's final response is signed off (R26): its dispatch is the
            # response.
            case = send_final_response(case)
        if s.referred:
            frozen.move_to(at(s.referred, 10))
            referral = refer_to_ombudsman(case, by=by, body="phso", referred_on=s.referred)
            if s.info:
                frozen.move_to(at(s.info[0], 10))
                request_ombudsman_information(
                    referral, by=by, requested_on=s.info[0], due=s.info[1]
                )
            if s.decided:
                frozen.move_to(at(s.decided[1], 10))
                record_ombudsman_outcome(
                    referral, by=by, outcome=s.decided[0], decided_on=s.decided[1]
                )
        cases[s.name] = case
    frozen.move_to(at(D(2026, 11, 2), 9))
    return cases
