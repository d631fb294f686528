"""Letters, joint complaints, action plans, lessons learned, risk referrals and KO41 coding
on a sample of the demo's cases, so that a new user finds the letters pages, the "Awaiting
sign-off" queue, a joint complaint graded 4, the learning pages and the reports with
something in them (`candour demo`; `--no-extras` leaves
them out).

The bulk loader (`candour.demo.load_cases`) writes cases, people, issues, pauses and their
audit events directly, fast enough for a million cases. What it leaves out is added here to a
few hundred cases at most, and only through the domain functions that a member of staff's
action calls: every change is checked as it would be for them, has its audit event, and the
audit chain verifies. Each step is taken by a demo login who holds the role the step needs
(`signoff.roles_held`), found the same way.

The sample and every choice come from one seeded random stream, so the same seed on the same
load gives the same letters, actions and lessons. The domain functions stamp what they do
with the real clock (they take no "now"), so letters are sent and actions agreed today; for
the same reason no action can be made overdue here (`add_action` refuses a due date in the
past), and actions fall due from today onwards.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from candour.cases import actions, handling, investigation, joint, referrals
from candour.cases.intake import InvalidCase
from candour.cases.joint_models import LeadBasis, PartConsent
from candour.cases.models import (
    Case,
    Finding,
    Kind,
    ReferralKind,
    Status,
)
from candour.cases.workflow import (
    FORMAL_KINDS,
    PermissionDenied,
    TransitionNotAllowed,
    investigation_blocker,
)
from candour.coding.coding import code_case, default_return, financial_year
from candour.coding.models import Code, CodeList, Dimension
from candour.demo import LOGINS, LoginSpec, ensure_logins, login_lines, org_contexts
from candour.letters import dispatch, signoff
from candour.letters.compose import GUIDANCE
from candour.letters.models import Letter
from candour.organisations.models import Membership, Organisation
from candour.organisations.policy import LetterKind

# Roles that sign-off chains need and the demo's own logins do not hold: without them the
# commissioner's, the clinic's and the national provider's Stage 2 letters could not be signed.
EXTRA_LOGINS = [
    LoginSpec("icb.director", "EXICB", "Director"),
    LoginSpec("clinic.registered", "EXSC", "Registered Manager"),
    LoginSpec("north.director", "ESHN", "Regional Director"),
    LoginSpec("north.medical", "ESHN", "Regional Medical Director"),
    LoginSpec("north.operations", "ESHN", "Regional Operations Manager"),
]

# Where final responses are written: each organisation with its own sign-off chain. The
# national provider's Stage 1 letters are the Heads of Healthcare's at its four sites.
LETTER_ORGANISATIONS = [
    ("EVMP",),
    ("EXICB",),
    ("EXSC",),
    ("EXHT",),
    ("ESHM", "ESHF", "ESHV", "ESHB"),
]
# Stage 2 of the national provider (seed 000): regional and national sign-off; the sites of
# the region whose regional roles the extra logins hold.
STAGE_2_SITES = ("ESHM", "ESHF")

# Joint complaints (R31; seed 001 Appendix B "Level 4 Complex: A serious complaint involving
# more than one provider"): the organisation that leads, the one in Candour that contributes,
# why the first leads and what the second is asked. Up to two of each (a small load may have
# no open complaint at an organisation), graded 4.
JOINT_PAIRS = (
    ("EVMP", "EXHT", LeadBasis.MOST_ISSUES, "Most of the issues are about the practice's care.",
     "Say what the hospital told the practice after the outpatient appointment."),
    ("EXHT", "EVMP", LeadBasis.MOST_SERIOUS, "The most serious part is about the ward's care.",
     "Say when the practice received the discharge letter and what it did then."),
    ("EXSC", "EXHT", LeadBasis.AGREED, "Agreed with the trust: the clinic saw the patient last.",
     "Say what the trust's referral to the clinic said."),
)  # fmt: skip
JOINT_PER_PAIR = 2
JOINT_OUTSIDE = "Example Ambulance Service"  # a contributor outside Candour
JOINT_REPLIES = (
    "Our records show the letter was sent on time to the address we held (synthetic demo reply).",
    "We found that the follow-up call was not made; we have apologised to the team concerned "
    "and changed the procedure (synthetic demo reply).",
)

# How far each sample letter goes along its chain.
DRAFTING = "drafting"  # started, partly written, at the drafting step
MID_CHAIN = "mid_chain"  # approved at the drafting step, at a later step before signing
SENT_BACK = "sent_back"  # as MID_CHAIN, after being sent back once and revised
SIGNED = "signed"  # signed, still on its chain (seed 000: back to the site)
READY = "ready"  # through its chain, ready to send
DISPATCHED = "dispatched"  # sent: the case's response

FINDING_SUMMARIES = {
    Finding.UPHELD: "The records show that this happened as described and should not have "
    "(synthetic demo finding).",
    Finding.PARTLY_UPHELD: "Part of what was described is borne out by the records; the rest "
    "is not (synthetic demo finding).",
    Finding.NOT_UPHELD: "The records and the staff's accounts show that the right process was "
    "followed (synthetic demo finding).",
}
FILLED_SECTIONS = {
    "apology": "I am sorry that we let you down, and for the distress this caused you.",
    "investigation": "The complaints team read your records and the relevant policies, and "
    "spoke to the staff involved (synthetic demo letter).",
    "explanation": "We looked at what happened step by step (synthetic demo letter).",
    "learning": "We have shared what happened with the team and changed how we work so that "
    "it does not happen again (synthetic demo letter).",
}
SEND_BACK_REASONS = (
    "Please explain the delay more plainly and say what has changed since.",
    "The apology should name what went wrong; please add it.",
    "Please check the dates in the explanation against the records.",
)
THEMES = (
    "Communication",
    "Access to appointments",
    "Clinical care",
    "Staff attitude",
    "Records and information",
    "Medication",
    "Discharge planning",
    "Waiting times",
)
LESSONS = (
    "Test results need a named person to call the patient back.",
    "Reception staff should offer a call back rather than ask the caller to ring again.",
    "Repeat prescriptions due over a bank holiday need to be issued earlier.",
    "Discharge letters should be given to the patient before they leave.",
    "Changes to medication must be explained to the patient and recorded.",
    "Waiting lists should be checked weekly for people waiting longest.",
)
ACTIONS = (
    ("Train reception staff in handling difficult calls", "Training attendance record"),
    ("Add a call-back step to the test results procedure", "Revised procedure issued"),
    ("Audit discharge letters for a month", "Audit report presented at the team meeting"),
    ("Review the repeat prescription workflow", "New workflow agreed and published"),
    ("Remind clinicians to explain medication changes", "Briefing sent to all clinicians"),
    ("Check the appointment booking rules", "Booking rules updated on the system"),
)
REFERRALS = (
    (ReferralKind.SAFEGUARDING_ADULT, "", "Concern about the patient's safety at home."),
    (ReferralKind.SERIOUS_INCIDENT, "", "Possible serious incident in the care described."),
    (ReferralKind.REGULATOR, "NMC", "Concern about a nurse's practice."),
    (ReferralKind.LEGAL_CLAIM, "", "The complainant's solicitor mentions a claim."),
    (ReferralKind.MEDIA, "", "The complainant has contacted a local newspaper."),
    (ReferralKind.COUNTER_FRAUD, "", "Possible misuse of a prescription."),
)

# Errors a sample case may meet (its state does not allow the next step): that case is left
# where it is and the enrichment goes on; the summary counts it.
EXPECTED = (TransitionNotAllowed, InvalidCase, PermissionDenied, LookupError)


@dataclass
class ExtrasResult:
    letters: Counter = field(default_factory=Counter)  # by how far each went
    stage_2_letters: int = 0
    joint: int = 0
    joint_replies: int = 0
    actions: int = 0
    actions_done: int = 0
    actions_checked: int = 0
    lessons: int = 0
    themes: set = field(default_factory=set)
    referrals: int = 0
    referrals_made: int = 0
    coded: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        states = ", ".join(
            f"{self.letters[s]} {s.replace('_', ' ')}"
            for s in (DRAFTING, MID_CHAIN, SENT_BACK, SIGNED, READY, DISPATCHED)
            if self.letters[s]
        )
        line = (
            f"Demo extras in {self.seconds:.1f} s: {sum(self.letters.values())} final responses "
            f"({states}; {self.stage_2_letters} at Stage 2), {self.joint} joint complaints "
            f"graded 4 ({self.joint_replies} parts replied), {self.actions} actions "
            f"({self.actions_done} done with evidence, {self.actions_checked} checked), "
            f"{self.lessons} lessons under {len(self.themes)} themes, {self.referrals} risk "
            f"referrals ({self.referrals_made} made), {self.coded} closed complaints coded "
            "for KO41"
        )
        if self.skipped:
            line += f"; {self.skipped} sample cases left as they were"
        notes = "".join(f" {n}" for n in self.notes)
        return f"{line}.{notes}"


def logins_text() -> str:
    """The extra logins, in the shape of `demo.logins_text`."""
    lines = ["Demo logins added for the sign-off chains (same password and key):"]
    width = max(len(s.username) for s in LOGINS)
    names = dict(Organisation.objects.values_list("code", "name"))
    return "\n".join(lines + login_lines(EXTRA_LOGINS, width, names))


class Staff:
    """The demo logins and the roles each holds where, read once: who acts at each step."""

    def __init__(self, organisations: dict[str, Organisation]):
        usernames = [s.username for s in (*LOGINS, *EXTRA_LOGINS)]
        found = get_user_model().objects.in_bulk(usernames, field_name="username")
        self.users = [found[u] for u in usernames if u in found]
        self.held: dict[int, set] = defaultdict(set)
        rows = Membership.objects.filter(user__in=self.users).values_list(
            "user_id", "organisation_id", "role__name"
        )
        for user_id, org_id, role in rows:
            self.held[user_id].add((org_id, role))
        today = timezone.localdate()
        contexts = org_contexts(organisations, today - timedelta(days=7), today + timedelta(days=7))
        self.handler = {c.organisation.pk: c.handler for c in contexts}
        self.investigator = {c.organisation.pk: c.investigator for c in contexts}

    def holder(self, case: Case, roles, *, besides=()) -> object:
        """The first demo login holding one of `roles` at the case's organisation or above
        (as `signoff.roles_held`), other than those in `besides`."""
        lineage = [int(i) for i in case.organisation.path.strip("/").split("/") if i]
        for user in self.users:
            if user in besides:
                continue
            if any((org, role) in self.held[user.pk] for org in lineage for role in roles):
                return user
        raise LookupError(
            f"No demo login holds {' or '.join(roles)} at {case.organisation.name} or above."
        )


class Enricher:
    def __init__(self, organisations: dict[str, Organisation], rng: random.Random, budget: int):
        self.organisations = organisations
        self.rng = rng
        self.budget = budget
        self.staff = Staff(organisations)
        self.result = ExtrasResult()
        self.touched: set[int] = set()

    # --- choosing cases ---------------------------------------------------------------------

    def sample(self, codes, how_many: int, condition: Q, *, check=None) -> list[Case]:
        """Up to `how_many` cases of the organisations `codes` matching `condition`, not yet
        touched here, drawn at random from the most recent few hundred (quick on a big load)."""
        if how_many <= 0:
            return []
        org_ids = [self.organisations[c].pk for c in codes if c in self.organisations]
        pool = list(
            Case.objects.filter(condition, organisation_id__in=org_ids)
            .exclude(pk__in=self.touched)
            .order_by("-pk")
            .values_list("pk", flat=True)[: max(100, how_many * 8)]
        )
        self.rng.shuffle(pool)
        chosen = []
        for pk in pool:
            if len(chosen) == how_many:
                break
            case = Case.objects.select_related("organisation").get(pk=pk)
            if check is None or check(case):
                chosen.append(case)
                self.touched.add(pk)
        return chosen

    @staticmethod
    def open_to_respond(case: Case) -> bool:
        return investigation_blocker(case) is None and not case.letters.exists()

    def handler(self, case: Case):
        return self.staff.handler[case.organisation_id]

    def investigator(self, case: Case):
        return self.staff.investigator[case.organisation_id]

    def attempt(self, step, *args) -> bool:
        """One sample case's steps; a refusal leaves the case where it got to."""
        try:
            step(*args)
        except EXPECTED as error:
            self.result.skipped += 1
            if len(self.result.notes) < 3:
                self.result.notes.append(f"({error})")
            return False
        return True

    # --- letters ----------------------------------------------------------------------------

    def findings(self, case: Case) -> list[str]:
        """A finding on every issue at the case's stage, by its investigator."""
        by = self.investigator(case)
        found = []
        for issue in case.issues.filter(stage=case.stage).order_by("number"):
            finding = issue.finding or self.rng.choice(
                [Finding.UPHELD, Finding.PARTLY_UPHELD, Finding.NOT_UPHELD, Finding.NOT_UPHELD]
            )
            if not issue.finding:
                investigation.record_finding(
                    case,
                    by=by,
                    issue_number=issue.number,
                    finding=finding,
                    summary=FINDING_SUMMARIES[finding],
                )
            found.append(finding)
        return found

    def write(self, letter: Letter, *, only: tuple = (), add: str = "") -> None:
        """A new version: the writer's guidance replaced (in `only` sections, or all), and
        `add` appended to the explanation."""
        chain = signoff.chain_of(letter)
        by = self.staff.holder(letter.case, chain.steps[chain.drafting_index].roles)
        latest = letter.versions.order_by("-number").first()
        sections = []
        for name, text in latest.sections:
            if GUIDANCE.search(text) and (not only or name in only):
                wording = FILLED_SECTIONS.get(name, "(Synthetic demo wording.)")
                text = GUIDANCE.sub(lambda _m, w=wording: w, text)
            if add and name in ("explanation", "body"):
                text = f"{text}\n\n{add}".strip()
            sections.append([name, text])
        signoff.revise(letter, by=by, sections=sections)

    def approve_step(self, letter: Letter, *, partly: bool = False) -> Letter:
        """Approve at the letter's current step: every role of a joint step (or only the
        first with `partly`), else one holder."""
        letter.refresh_from_db()
        chain = signoff.chain_of(letter)
        step = chain.steps[chain.index(letter.step)]
        if not step.joint:
            return signoff.approve(letter, by=self.staff.holder(letter.case, step.roles))
        acted: list = []
        for role in step.roles[:1] if partly else step.roles:
            by = self.staff.holder(letter.case, [role])
            if by in acted:
                continue
            acted.append(by)
            letter = signoff.approve(letter, by=by)
        return letter

    def advance_to(self, letter: Letter, index: int | None) -> Letter:
        """Approve step after step until the letter reaches step `index` (None: the end)."""
        chain = signoff.chain_of(letter)
        while True:
            letter.refresh_from_db()
            if not letter.step:
                return letter
            at = chain.index(letter.step)
            if index is not None and at >= index:
                return letter
            if at == chain.drafting_index and letter.versions.count() == 1:
                self.write(letter)
            letter = self.approve_step(letter)

    def respond(self, case: Case, how_far: str) -> None:
        """A final response on `case`, taken as far as `how_far` along its chain."""
        if how_far != DRAFTING or case.stage > 1:  # a joint drafter's approval needs them
            self.findings(case)
        letter = signoff.start_letter(case, LetterKind.FINAL_RESPONSE, by=self.handler(case))
        chain = signoff.chain_of(letter)
        drafting, signing = chain.drafting_index, chain.signing_index
        if how_far == DRAFTING:
            letter = self.advance_to(letter, drafting)
            if case.stage > 1 and chain.steps[drafting].joint:
                self.write(letter)
                self.approve_step(letter, partly=True)  # one of the joint drafters has agreed
            else:
                self.write(letter, only=("investigation",))
        elif how_far in (MID_CHAIN, SENT_BACK):
            later = list(range(drafting + 1, signing + 1))
            if not later:
                raise LookupError(f"The chain '{chain.name}' has no step between draft and sign.")
            # Sent back from the last step before signing: at Stage 2 the national review,
            # whose comments go back to the regional drafters (seed 000 line 23).
            target = later[-1] if how_far == SENT_BACK else self.rng.choice(later)
            letter = self.advance_to(letter, target)
            if how_far == SENT_BACK:
                step = chain.steps[target]
                signoff.send_back(
                    letter,
                    by=self.staff.holder(case, step.roles),
                    to_step=chain.steps[drafting].key,
                    reason=self.rng.choice(SEND_BACK_REASONS),
                )
                self.write(letter, add="We have checked the dates against your records.")
                letter = self.advance_to(letter, target)
        elif how_far == SIGNED:
            if signing + 1 >= len(chain.steps):
                raise LookupError(f"The chain '{chain.name}' ends at its signature.")
            letter = self.advance_to(letter, signing + 1)
        else:
            letter = self.advance_to(letter, None)
            if how_far == DISPATCHED:
                option, by = self.dispatcher(case, chain)
                dispatch.dispatch_letter(letter, by=by, channel=option.channel)
        self.result.letters[how_far] += 1
        if case.stage > 1:
            self.result.stage_2_letters += 1

    def dispatcher(self, case: Case, chain):
        """The first way out of the chain that a demo login may send the letter by."""
        for option in chain.dispatch:
            try:
                return option, self.staff.holder(case, option.roles)
            except LookupError:
                continue
        raise LookupError(f"No demo login may send letters of the chain '{chain.name}'.")

    def letters(self) -> None:
        """Final responses at each point of each organisation's chain, on open complaints."""
        each = max(1, self.budget // 100)
        plan = [DRAFTING] * each + [MID_CHAIN] * each + [SENT_BACK]
        plan += [READY] * each + [DISPATCHED] * each
        formal_open = Q(
            status=Status.OPEN, kind__in=FORMAL_KINDS, stage=1, investigator__isnull=False
        )
        for codes in LETTER_ORGANISATIONS:
            chain = self.organisations[codes[0]].policy.chain_for(LetterKind.FINAL_RESPONSE, 1)
            wanted = [
                h
                for h in plan
                if h not in (MID_CHAIN, SENT_BACK) or chain.signing_index > chain.drafting_index
            ]
            cases = self.sample(codes, len(wanted), formal_open, check=self.open_to_respond)
            for case, how_far in zip(cases, wanted, strict=False):
                self.attempt(self.respond, case, how_far)

    def stage_2(self) -> None:
        """Seed 000 Stage 2: a responded complaint at a national provider's site reopened,
        its letter at each point of the regional and national chain."""
        if self.budget < 30:
            return
        done = Q(
            status__in=(Status.RESPONDED, Status.CLOSED),
            kind=Kind.COMPLAINT,
            stage=1,
            outcome__in=OUTCOMES,
        )
        plan = [DRAFTING, MID_CHAIN, SENT_BACK, SIGNED, READY, DISPATCHED]
        for case, how_far in zip(self.sample(STAGE_2_SITES, len(plan), done), plan, strict=False):
            self.attempt(self.reopen_and_respond, case, how_far)

    def reopen_and_respond(self, case: Case, how_far: str) -> None:
        by = self.handler(case)
        case = handling.reopen_case(
            case,
            by=by,
            reason="The complainant is unhappy with the Stage 1 response (synthetic).",
        )
        for issue in case.issues.filter(stage=1).order_by("number"):
            investigation.add_issue(
                case, by=by, description=f"Not resolved at Stage 1: {issue.description}"
            )
        self.respond(case, how_far)

    # --- joint complaints --------------------------------------------------------------------

    def joint_complaints(self) -> None:
        """A few open complaints made joint (R31): the case's organisation leads, another demo
        organisation contributes a part (shared with consent, some replied), one part of an
        organisation outside Candour, and the case graded 4 once the lead is named."""
        open_ = Q(status__in=(Status.RECEIVED, Status.OPEN, Status.PAUSED), kind__in=FORMAL_KINDS)
        for lead, contributor, basis, reason, asked in JOINT_PAIRS:
            if contributor not in self.organisations:
                continue
            cases = self.sample((lead,), JOINT_PER_PAIR, open_, check=self.may_be_joint)
            for i, case in enumerate(cases):
                self.attempt(self.joint, case, contributor, basis, reason, asked, i)

    @staticmethod
    def may_be_joint(case: Case) -> bool:
        return joint.joint_of(case) is None and case.issues.filter(stage=case.stage).exists()

    def joint(self, case: Case, code: str, basis, reason: str, asked: str, i: int) -> None:
        by = self.handler(case)
        contributor = self.organisations[code]
        today = timezone.localdate()
        joint.start_joint(case, by=by, lead_basis=basis, lead_reason=f"{reason} (synthetic)")
        issues = list(case.issues.filter(stage=case.stage).values_list("number", flat=True))
        # The first of each pair falls due soon, so that it shows on the lead's worklist.
        due = today + timedelta(days=2 if i == 0 else self.rng.choice((10, 15, 20)))
        joint.add_part(
            case, by=by, organisation=contributor, asked=asked, issues=issues[:1], due=due
        )
        joint.share_part(case, by=by, number=1, consent=PartConsent.GIVEN, consent_on=today)
        if i == 0:
            joint.add_part(
                case, by=by, organisation_name=JOINT_OUTSIDE, due=due + timedelta(days=5),
                asked="Say when the ambulance was called and when it arrived.",
            )  # fmt: skip
        else:
            joint.record_reply(
                case, by=self.handler_at(contributor), number=1,
                text=self.rng.choice(JOINT_REPLIES),
            )  # fmt: skip
            self.result.joint_replies += 1
        handling.grade_case(case, by=by, level=joint.JOINT_LEVEL)
        self.result.joint += 1

    def handler_at(self, organisation: Organisation):
        return self.staff.handler[organisation.pk]

    # --- action plans, lessons, referrals, coding ----------------------------------------

    def action_plans(self) -> None:
        """Actions on responded complaints, some done with evidence and some checked."""
        how_many = self.budget // 8
        responded = Q(status=Status.RESPONDED, kind__in=FORMAL_KINDS)
        codes = [o for group in LETTER_ORGANISATIONS for o in group]
        for case in self.sample(codes, max(1, how_many // 2), responded):
            for _ in range(self.rng.choice((1, 2, 2, 3))):
                self.attempt(self.action, case)

    def action(self, case: Case) -> None:
        handler = self.handler(case)
        owner = self.rng.choice([handler, self.investigator(case)])
        description, evidence = self.rng.choice(ACTIONS)
        due = timezone.localdate() + timedelta(days=self.rng.choice((0, 0, 3, 10, 20, 40, 60)))
        themes = self.rng.sample(THEMES, self.rng.choice((1, 1, 2)))
        action = actions.add_action(
            case,
            by=handler,
            description=description,
            owner=owner,
            due=due,
            promised=self.rng.random() < 0.7,
            themes=themes,
        )
        self.result.actions += 1
        self.result.themes.update(themes)
        roll = self.rng.random()
        if roll < 0.45:
            actions.complete_action(case, by=owner, number=action.number, evidence=evidence)
            self.result.actions_done += 1
            if roll < 0.2:
                actions.verify_action(
                    case,
                    by=handler,
                    number=action.number,
                    check="Checked a month of cases: the change is working (synthetic).",
                )
                self.result.actions_checked += 1

    def lessons(self) -> list[Case]:
        """Lessons with themes on finished complaints; returns the closed ones."""
        finished = Q(status__in=(Status.RESPONDED, Status.CLOSED), kind__in=FORMAL_KINDS)
        codes = [o for group in LETTER_ORGANISATIONS for o in group]
        cases = self.sample(codes, self.budget // 8, finished)
        for case in cases:
            self.attempt(self.lesson, case)
        return [c for c in cases if c.status == Status.CLOSED]

    def lesson(self, case: Case) -> None:
        themes = self.rng.sample(THEMES, self.rng.choice((1, 2)))
        actions.record_lesson(
            case, by=self.handler(case), text=self.rng.choice(LESSONS), themes=themes
        )
        self.result.lessons += 1
        self.result.themes.update(themes)

    def risk_referrals(self) -> None:
        """Risk referrals on open complaints, half of them made."""
        open_ = Q(status=Status.OPEN, kind__in=FORMAL_KINDS)
        codes = [o for group in LETTER_ORGANISATIONS for o in group]
        for i, case in enumerate(self.sample(codes, max(1, self.budget // 25), open_)):
            self.attempt(self.referral, case, REFERRALS[i % len(REFERRALS)])

    def referral(self, case: Case, what) -> None:
        kind, body, detail = what
        handler = self.handler(case)
        referral = referrals.raise_referral(
            case,
            by=handler,
            kind=kind,
            body=body,
            detail=f"{detail} (synthetic)",
            owner=handler,
            due=timezone.localdate() + timedelta(days=self.rng.choice((2, 5, 10))),
        )
        self.result.referrals += 1
        if self.rng.random() < 0.5:
            referrals.record_referral(
                case,
                by=handler,
                number=referral.number,
                their_reference=f"REF-{self.rng.randrange(10000, 99999)}",
            )
            self.result.referrals_made += 1

    def coding(self, closed: list[Case]) -> None:
        """KO41 coding of the closed complaints touched, and a sample more."""
        if not CodeList.objects.exists():
            self.result.notes.append(
                "No KO41 code lists are loaded, so no case was coded: run "
                "`candour codelists load`, then code cases on their pages."
            )
            return
        more = self.budget // 8 - len(closed)
        closed_complaints = Q(status=Status.CLOSED, kind=Kind.COMPLAINT, outcome__in=OUTCOMES)
        codes = [o for group in LETTER_ORGANISATIONS for o in group]
        cases = [c for c in closed if c.kind == Kind.COMPLAINT]
        cases += self.sample(codes, more, closed_complaints)
        lists = self._code_lists()
        for case in cases:
            self.attempt(self.code, case, lists)

    def _code_lists(self) -> dict:
        keys: dict = defaultdict(list)
        rows = Code.objects.filter(retired=False).values_list(
            "code_list__return_code", "code_list__year", "code_list__dimension", "key"
        )
        for return_code, year, dimension, key in rows.order_by("code_list_id", "position"):
            keys[return_code, year, dimension].append(key)
        return keys

    def code(self, case: Case, lists: dict) -> None:
        return_code = default_return(case.organisation)
        year = financial_year(case.received_at)
        subjects = lists.get((return_code, year, Dimension.SUBJECT))
        if not subjects:
            raise LookupError(f"No {return_code} list is loaded for the year of {case.reference}.")
        chosen = {"subjects": self.rng.sample(subjects, self.rng.choice((1, 1, 2)))}
        for dimension, name in (
            (Dimension.SERVICE, "services"),
            (Dimension.PROFESSION, "professions"),
        ):
            keys = lists.get((return_code, year, dimension))
            if keys:
                chosen[name] = [self.rng.choice(keys)]
        themes = sorted({t.name for lesson in case.lessons.all() for t in lesson.themes.all()})
        code_case(case, by=self.handler(case), themes=themes, **chosen)
        self.result.coded += 1


OUTCOMES = ("upheld", "partly_upheld", "not_upheld")


def enrich(organisations: dict[str, Organisation], *, seed: int = 1, how_many: int = 200):
    """Add letters, action plans, lessons, referrals and KO41 coding to at most about
    `how_many` of the loaded cases (see the module's docstring). Returns what was added."""
    began = time.perf_counter()
    ensure_logins(organisations, EXTRA_LOGINS, admin=False)
    enricher = Enricher(organisations, random.Random(f"demo-extras/{seed}"), how_many)
    enricher.joint_complaints()  # first: a small load has few open complaints per organisation
    enricher.letters()
    enricher.stage_2()
    enricher.action_plans()
    closed = enricher.lessons()
    enricher.risk_referrals()
    enricher.coding(closed)
    enricher.result.seconds = time.perf_counter() - began
    return enricher.result
