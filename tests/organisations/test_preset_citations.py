"""Every number and label of the five presets against the document it comes from (issue 17,
"Presets"). policy.CITATIONS gives, for each value, the seed (../shared/seeds) or
../shared/REGULATIONS.md, its lines and the words there; this test reads those lines and
finds the words in them, and finds in the words the number or label the preset holds. A value
no document gives is a policy.Chosen with its reason, and is listed here as such.

Seed 000, Stage 2 step 1 (line 9): "within 2-5 working days of receipt of Stage 2" is the
stage-2 documents step, not stage 1's investigation, which seed 000 gives no time."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from candour.organisations.policy import (
    CITATIONS,
    PRESETS,
    Chosen,
    Cite,
    preset,
    validate_policy,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PERIODS = [
    "time_limit",
    "acknowledgement",
    "informal_resolution",
    "consent_chase",
    "investigation",
    "statement_due",
    "response",
    "response_limit",
    "update_after",
    "six_month_review",
    "external_notification",
]


def values_of(name: str) -> dict[str, str]:
    """Each number and label of a preset, by path: its clocks, stages, escalation body,
    grades, and each sign-off step's roles and due time."""
    policy = validate_policy(preset(name))
    out = {f: str(getattr(policy, f)) for f in PERIODS if getattr(policy, f)}
    out |= {f"stages.{i}": s for i, s in enumerate(policy.stages)}
    out["escalation.name"] = policy.escalation.name
    out |= {f"grading.{g.level}": g.name for g in policy.grading}
    for c, chain in enumerate(policy.sign_off):
        for step in chain.steps:
            out[f"sign_off.{c}.{step.key}.roles"] = (" and " if step.joint else " or ").join(
                step.roles
            )
            if step.due_from == "response":
                out[f"sign_off.{c}.{step.key}.due"] = "response date"
            elif step.due:
                out[f"sign_off.{c}.{step.key}.due"] = f"{step.due} from {step.due_from}"
    return out


def plain(text: str) -> str:
    """Text as compared: markdown bold, curly quotes, dashes and runs of spaces evened out."""
    text = text.replace("**", "").replace("\u2019", "'").replace("\u2013", "-")
    return re.sub(r"\s+", " ", text).strip().lower()


@cache
def document(name: str) -> list[str]:
    if name == "REGULATIONS.md":
        path = SHARED / name
    else:
        (path,) = (SHARED / "seeds").glob(f"{name}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()


def cited_text(cite: Cite) -> str:
    first, last = cite.lines
    return plain(" ".join(document(cite.document)[first - 1 : last]))


# (preset, path, the value the preset holds, the words of the source that give it).
# A row with no words is a value no document gives (policy.Chosen).
TABLE = [
    # The statutory baseline: REGULATIONS.md §1 (SI 2009/309).
    ("nhs-england-2009", "time_limit", "12 months", "12 months"),
    ("nhs-england-2009", "acknowledgement", "3 working days", "3rd working day"),
    ("nhs-england-2009", "informal_resolution", "1 working day", "next working day"),
    ("nhs-england-2009", "consent_chase", "10 working days", None),
    ("nhs-england-2009", "response", "6 months", "6 months"),
    ("nhs-england-2009", "response_limit", "6 months", "6 months"),
    ("nhs-england-2009", "update_after", "20 working days", None),
    ("nhs-england-2009", "six_month_review", "6 months", "six months"),
    ("nhs-england-2009", "stages.0", "Local resolution", "local resolution"),
    ("nhs-england-2009", "stages.1", "Further local resolution", None),
    ("nhs-england-2009", "escalation.name", "Parliamentary and Health Service Ombudsman", "phso"),
    ("nhs-england-2009", "sign_off.0.draft.roles", "Complaints Manager", "complaints manager"),
    ("nhs-england-2009", "sign_off.0.signature.roles", "Responsible Person", "responsible person"),
    ("nhs-england-2009", "sign_off.1.draft.roles", "Complaints Manager", "complaints manager"),
    # The GP practice: seed 001.
    ("gp-practice", "time_limit", "36 months", "3 years"),
    ("gp-practice", "acknowledgement", "3 working days", "three working days"),
    ("gp-practice", "informal_resolution", "24 hours", "24 hours"),
    ("gp-practice", "consent_chase", "10 working days", None),
    ("gp-practice", "response", "6 months", "6 months"),
    ("gp-practice", "response_limit", "6 months", "6 months"),
    ("gp-practice", "update_after", "20 working days", None),
    ("gp-practice", "six_month_review", "6 months", "six months"),
    ("gp-practice", "stages.0", "Local resolution", None),
    ("gp-practice", "stages.1", "Further local resolution", "come back to you"),
    ("gp-practice", "escalation.name", "Parliamentary and Health Service Ombudsman", "ombudsman"),
    ("gp-practice", "sign_off.0.draft.roles", "Executive Manager", "executive manager"),
    ("gp-practice", "sign_off.0.signature.roles", "Partner", "partner"),
    (
        "gp-practice",
        "sign_off.1.draft.roles",
        "Executive Manager or Office Manager",
        "office manager",
    ),
    # The commissioner: seed 002.
    ("commissioner", "time_limit", "12 months", "12 months"),
    ("commissioner", "acknowledgement", "3 working days", "three working days"),
    ("commissioner", "informal_resolution", "1 working day", "next working day"),
    ("commissioner", "consent_chase", "10 working days", None),
    ("commissioner", "investigation", "10 working days", "10 working days"),
    ("commissioner", "statement_due", "5 working days", None),
    ("commissioner", "response", "25 working days", "25 working days"),
    ("commissioner", "response_limit", "6 months", "6 months"),
    ("commissioner", "update_after", "20 working days", None),
    ("commissioner", "six_month_review", "6 months", "six months"),
    ("commissioner", "stages.0", "Local resolution", "local resolution"),
    ("commissioner", "stages.1", "Further local resolution", "thoroughly explored"),
    ("commissioner", "escalation.name", "Parliamentary and Health Service Ombudsman", "ombudsman"),
    (
        "commissioner",
        "sign_off.0.draft.roles",
        "Head of Corporate Governance or Customer Care Officer",
        "head of corporate governance",
    ),
    ("commissioner", "sign_off.0.signature.roles", "Accountable Officer or Director", "director"),
    (
        "commissioner",
        "sign_off.1.draft.roles",
        "Head of Corporate Governance or Customer Care Officer",
        "head of corporate governance",
    ),
    # The private clinic: seed 004 (Luxira Aesthetics); it escalates to an ADR provider.
    ("private-clinic", "time_limit", "12 months", None),
    ("private-clinic", "acknowledgement", "48 hours", "48 hours"),
    ("private-clinic", "informal_resolution", "24 hours", None),
    ("private-clinic", "consent_chase", "7 days", None),
    ("private-clinic", "response", "30 days", "30 days"),
    ("private-clinic", "update_after", "20 days", "20 days"),
    ("private-clinic", "six_month_review", "6 months", "six months"),
    ("private-clinic", "external_notification", "3 days", "three days"),
    ("private-clinic", "stages.0", "Local resolution", "direct negotiation"),
    ("private-clinic", "stages.1", "Further local resolution", "resolved internally"),
    (
        "private-clinic",
        "escalation.name",
        "an approved Alternative Dispute Resolution provider",
        "approved",
    ),
    ("private-clinic", "sign_off.0.draft.roles", "Complaints Manager", "complaints manager"),
    ("private-clinic", "sign_off.0.signature.roles", "Registered Manager or Director", None),
    (
        "private-clinic",
        "sign_off.1.draft.roles",
        "Complaints Manager or Registered Manager",
        "complaints manager",
    ),
    # The national provider: seed 000; its stage 1 has no investigation clock of its own.
    ("national-provider", "time_limit", "12 months", "12 months"),
    ("national-provider", "acknowledgement", "3 working days", "3rd working day"),
    ("national-provider", "informal_resolution", "1 working day", "next working day"),
    ("national-provider", "consent_chase", "10 working days", None),
    ("national-provider", "response", "25 working days", None),
    ("national-provider", "response_limit", "6 months", "6 months"),
    ("national-provider", "update_after", "20 working days", None),
    ("national-provider", "six_month_review", "6 months", "six months"),
    (
        "national-provider",
        "stages.0",
        "Stage 1: local resolution by the Head of Healthcare",
        "hohc",
    ),
    ("national-provider", "stages.1", "Stage 2: regional and national review", "stage 2"),
    ("national-provider", "stages.2", "Stage 3: independent review", "stage 3"),
    ("national-provider", "escalation.name", "Parliamentary and Health Service Ombudsman", "phso"),
    ("national-provider", "sign_off.0.documents.roles", "Head of Healthcare", "hohc"),
    (
        "national-provider",
        "sign_off.0.documents.due",
        "5 working days from receipt",
        "5 working days of receipt",
    ),
    (
        "national-provider",
        "sign_off.0.regional_draft.roles",
        "Regional Governance Manager and Regional Medical Director and Regional Operations Manager",
        "[jointly]",
    ),
    (
        "national-provider",
        "sign_off.0.regional_draft.due",
        "15 working days from receipt",
        "15 working days of receipt",
    ),
    (
        "national-provider",
        "sign_off.0.regional_director.roles",
        "Regional Director",
        "regional director",
    ),
    (
        "national-provider",
        "sign_off.0.regional_director.due",
        "15 working days from receipt",
        "15 working days of receipt",
    ),
    (
        "national-provider",
        "sign_off.0.regional_sign_off.roles",
        "Regional Director",
        "regional sign off",
    ),
    (
        "national-provider",
        "sign_off.0.regional_sign_off.due",
        "15 working days from receipt",
        "15 working days of receipt",
    ),
    (
        "national-provider",
        "sign_off.0.send_to_national.roles",
        "Regional Governance Manager",
        "regional governance manager",
    ),
    (
        "national-provider",
        "sign_off.0.send_to_national.due",
        "15 working days from receipt",
        "15 working days of receipt",
    ),
    (
        "national-provider",
        "sign_off.0.national_review.roles",
        "National Complaints Manager or National Complaints Reviewer or National Medical Director",
        "national medical team",
    ),
    ("national-provider", "sign_off.0.national_review.due", "response date", None),
    (
        "national-provider",
        "sign_off.0.national_sign_off.roles",
        "National Medical Director",
        "national medical director",
    ),
    ("national-provider", "sign_off.0.national_sign_off.due", "response date", None),
    (
        "national-provider",
        "sign_off.0.return_to_site.roles",
        "Regional Governance Manager or Regional Manager",
        "regional manager",
    ),
    ("national-provider", "sign_off.0.return_to_site.due", "response date", None),
    ("national-provider", "sign_off.1.documents.roles", "Head of Healthcare", "hohc"),
    (
        "national-provider",
        "sign_off.1.send_to_national.roles",
        "Regional Governance Manager",
        "regional governance manager",
    ),
    (
        "national-provider",
        "sign_off.1.national_draft.roles",
        "National Complaints Reviewer",
        "national complaints reviewer",
    ),
    (
        "national-provider",
        "sign_off.1.national_sign_off.roles",
        "National Medical Director",
        "national medical director",
    ),
    (
        "national-provider",
        "sign_off.1.return_to_site.roles",
        "Regional Governance Manager or Regional Manager",
        "regional manager",
    ),
    ("national-provider", "sign_off.2.draft.roles", "Head of Healthcare", "stage 1 letter"),
]
# Every preset grades as seed 001 Appendix B (lines 371-388).
for _name in PRESETS:
    TABLE += [
        (_name, f"grading.{level}", grade, f"level {level} {grade.lower()}")
        for level, grade in ((1, "Minor"), (2, "Significant"), (3, "Major"), (4, "Complex"))
    ]


@pytest.mark.parametrize(("name", "path", "value", "words"), TABLE)
def test_each_preset_value_is_what_its_cited_source_says(name, path, value, words):
    assert values_of(name)[path] == value
    source = CITATIONS[name][path]
    if words is None:
        assert isinstance(source, Chosen), f"{name} {path}: cite the words that give {value!r}"
        assert len(source.reason) > 20
        return
    assert isinstance(source, Cite), f"{name} {path} is cited as chosen, not from its source"
    if not SHARED.is_dir():
        pytest.skip(f"the seeds are not here ({SHARED})")
    assert plain(source.words) in cited_text(source), (
        f"{name} {path}: {source.document} lines {source.lines} do not say {source.words!r}"
    )
    assert plain(words) in plain(source.words), (name, path, source.words)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_number_and_label_of_a_preset_is_cited_and_in_the_table(name):
    paths = set(values_of(name))
    assert set(CITATIONS[name]) == paths
    assert {p for n, p, _, _ in TABLE if n == name} == paths


def test_the_national_providers_stage_one_has_no_investigation_clock_of_seed_000s_stage_2():
    # Seed 000 Stage 2, step 1 (line 9): "HOHC to provide all necessary documentation to
    # Regional Governance Manager within 2-5 working days of receipt of Stage 2" -- a stage-2
    # step, which the Stage 2 chain holds; seed 000 gives stage 1 no investigation time.
    assert PRESETS["national-provider"]["investigation"] is None
    chain = validate_policy(preset("national-provider")).chain_for("final_response", 2)
    documents = chain.steps[0]
    assert (str(documents.due), documents.due_from) == ("5 working days", "receipt")


def test_the_commissioners_complaints_manager_is_named_as_seed_002_names_it():
    """Seed 002 §6.4 (line 141): "Head of Corporate Governance: will be the designated
    Complaints Manager for WCCG". The preset's role, its chains and the role Candour installs
    for it carry that name, not "Head of Governance"."""
    from candour.organisations.setup import ROLE_CAPABILITIES

    if SHARED.is_dir():
        assert "head of corporate governance:" in plain(document("002")[140])
    policy = validate_policy(preset("commissioner"))
    assert "Head of Corporate Governance" in policy.roles
    assert "Head of Corporate Governance" in ROLE_CAPABILITIES
    named = " ".join([*policy.roles, *ROLE_CAPABILITIES, str(PRESETS["commissioner"])])
    assert "Head of Governance" not in named
