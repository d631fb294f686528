"""Anonymised case studies drawn from closed cases (R37).

Seed 004, Reporting and Recording Complaints: "The complaints manager periodically prepares
case studies using anonymised individual complaints to demonstrate how complaints are
resolved and followed up, for the information of staff, and for use in audit and appraisal."

- `draft_case_study`: from a closed case, by someone who handles its cases. Candour writes the
  draft from the case's free text (what was complained of, the issues and findings, the
  actions and lessons) with every identifying detail taken out first (candour.cases.redaction:
  names, dates as month and year, NHS numbers, addresses, postcodes, phone numbers, emails).
- `edit_case_study`: the author (or a colleague) reviews and edits the draft.
- `approve_case_study`: a second person, with the sign-off capability, who neither drafted
  nor last edited it, approves it; approval refuses while anything identifying is left.
- `withdraw_case_study`: takes it out of use, with the reason.

Who sees a case study (`studies_for`): those who may see its case see every one, with the
case; anyone with a role in the same organisation tree sees the approved ones, without the
case (its reference is never shown to them).
"""

from __future__ import annotations

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format

from candour.cases import redaction
from candour.cases.access import cases_for
from candour.cases.changes import apply
from candour.cases.closure_models import CaseStudy, CaseStudyStatus
from candour.cases.intake import InvalidCase
from candour.cases.models import Case, Kind
from candour.cases.workflow import CaseError, PermissionDenied, ensure_can, lock
from candour.config.transactions import atomic
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability, Organisation

LIMITS = {"title": 200, "service": 200}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _draft_texts(case: Case) -> dict[str, str]:
    """The draft's texts from the case, before redaction."""
    kind = f"A {case.get_kind_display().lower()}"
    kind = "An MP's enquiry" if case.kind == Kind.MP_ENQUIRY else kind
    about = f" about {case.service}" if case.service else ""
    happened = [case.summary or case.description]
    if case.desired_outcome:
        happened.append(f"The complainant wanted: {case.desired_outcome}")
    found = []
    for issue in case.issues.order_by("stage", "number"):
        line = f"Issue {issue.number}: {_sentence(issue.description)}"
        if issue.finding:
            line += f" Finding: {issue.get_finding_display().lower()}."
        if issue.finding_summary:
            line += f" {issue.finding_summary}"
        found.append(line)
    if case.outcome:
        found.append(f"Outcome: {case.get_outcome_display().lower()}. {case.outcome_summary}")
    changed = [f"Action: {a.description}" for a in case.actions.exclude(status="cancelled")]
    changed += [f"Lesson learned: {lesson.text}" for lesson in case.lessons.all()]
    return {
        "title": f"{kind}{about}"[:200],
        "service": case.service,
        "what_happened": "\n\n".join(p.strip() for p in happened if p.strip()),
        "what_we_found": "\n\n".join(p.strip() for p in found),
        "what_changed": "\n\n".join(p.strip() for p in changed),
    }


def period_of(case: Case) -> str:
    """When, as a month and year: the month the case was received."""
    return date_format(timezone.localdate(case.received_at), "F Y")


@atomic
def draft_case_study(case: Case, *, by) -> CaseStudy:
    """Draft an anonymised case study from the closed `case`, its identifying details taken
    out of every text. Writes case_study_drafted (which keeps no text of it)."""
    case = lock(case)
    ensure_can(case, "draft_case_study", by)
    sensitive = redaction.Sensitive.of(case)
    texts = {k: redaction.redact(v, sensitive) for k, v in _draft_texts(case).items()}
    texts["title"] = texts["title"][:200]
    texts["service"] = texts["service"][:200]
    number = (case.case_studies.aggregate(n=Max("number"))["n"] or 0) + 1
    study = CaseStudy.objects.create(
        case=case,
        organisation=case.organisation,
        number=number,
        period=period_of(case),
        drafted_at=timezone.now(),
        drafted_by=by,
        **texts,
    )
    apply(case, "draft_case_study", by=by, event="case_study_drafted", case_study=number)
    return study


def _locked(study: CaseStudy, action: str, by) -> tuple[Case, CaseStudy]:
    case = lock(study.case)
    ensure_can(case, action, by)
    return case, CaseStudy.objects.select_for_update().get(pk=study.pk)


def _draft_only(study: CaseStudy, doing: str) -> None:
    if study.status != CaseStudyStatus.DRAFT:
        raise CaseError(
            f"Case study {study.number} is {study.get_status_display().lower()}; only a draft "
            f"can be {doing}."
        )


@atomic
def edit_case_study(study: CaseStudy, *, by, **texts: str) -> CaseStudy:
    """Change the draft's texts (`title`, `service`, `what_happened`, `what_we_found`,
    `what_changed`); a text not given stays. Writes case_study_edited with what changed."""
    case, study = _locked(study, "edit_case_study", by)
    _draft_only(study, "edited")
    unknown = sorted(set(texts) - set(CaseStudy.TEXT_FIELDS))
    if unknown:
        raise InvalidCase(unknown[0], "is not a part of a case study")
    changed = {}
    for name, value in texts.items():
        value = (value or "").strip()
        if name in ("title", "what_happened") and not value:
            raise InvalidCase(name, "is empty; say what the case study is about")
        if name in LIMITS and len(value) > LIMITS[name]:
            raise InvalidCase(name, f"must be {LIMITS[name]} characters or fewer")
        if value != getattr(study, name):
            changed[name] = value
    if not changed:
        raise InvalidCase(next(iter(texts), "title"), "is unchanged; change what needs changing")
    before = {k: getattr(study, k) for k in changed}
    for name, value in changed.items():
        setattr(study, name, value)
    study.edited_at, study.edited_by = timezone.now(), by
    study.save(update_fields=[*changed, "edited_at", "edited_by"])
    apply(
        case,
        "edit_case_study",
        by=by,
        event="case_study_edited",
        case_study=study.number,
        before=before,
        after=changed,
    )
    return study


@atomic
def approve_case_study(study: CaseStudy, *, by) -> CaseStudy:
    """Approve the draft for use outside the case's organisation: by a second person (not
    whoever drafted it or last edited it), and only when nothing identifying is left in it.
    Writes case_study_approved."""
    case, study = _locked(study, "approve_case_study", by)
    _draft_only(study, "approved")
    if by is not None and by.pk in {study.drafted_by_id, study.edited_by_id}:
        raise PermissionDenied(
            f"Case study {study.number} needs a second person to approve it: you drafted or "
            "last edited it."
        )
    sensitive = redaction.Sensitive.of(case)
    for name, text in study.texts().items():
        left = redaction.leaks(text, sensitive)
        if left:
            raise InvalidCase(
                name, f"still gives {'; '.join(left)}. Take it out, then approve the case study"
            )
    study.status = CaseStudyStatus.APPROVED
    study.approved_at, study.approved_by = timezone.now(), by
    study.save(update_fields=["status", "approved_at", "approved_by"])
    apply(case, "approve_case_study", by=by, event="case_study_approved", case_study=study.number)
    return study


@atomic
def withdraw_case_study(study: CaseStudy, *, by, reason: str) -> CaseStudy:
    """Take a case study out of use (a draft not wanted, or an approved one no longer to be
    shown), with the reason. Writes case_study_withdrawn."""
    case, study = _locked(study, "withdraw_case_study", by)
    if study.status == CaseStudyStatus.WITHDRAWN:
        raise CaseError(f"Case study {study.number} is already withdrawn.")
    reason = reason.strip()
    if not reason:
        raise InvalidCase("reason", "is empty; say why the case study is withdrawn")
    study.status, study.withdrawn_reason = CaseStudyStatus.WITHDRAWN, reason
    study.save(update_fields=["status", "withdrawn_reason"])
    apply(
        case,
        "withdraw_case_study",
        by=by,
        event="case_study_withdrawn",
        case_study=study.number,
        reason=reason,
    )
    return study


# --- who sees them -----------------------------------------------------------------------------


def _trees(user) -> Q:
    """The organisation trees the user has a role in: every organisation under the root of
    each organisation where they may see cases."""
    roots = {
        path.strip("/").split("/")[0]
        for path in Organisation.objects.filter(
            pk__in=organisation_ids_for(user, Capability.VIEW_CASES)
        ).values_list("path", flat=True)
    }
    query = Q(pk__in=[])
    for root in roots:
        query |= Q(organisation__path__startswith=f"/{root}/")
    return query


def studies_for(user):
    """The case studies `user` may read: every one of the cases they may see, and the
    approved ones across their organisation tree."""
    own = Q(case__in=cases_for(user).values("pk"))
    approved = Q(status=CaseStudyStatus.APPROVED) & _trees(user)
    return CaseStudy.objects.filter(own | approved).select_related("organisation")


def sees_case(user, study: CaseStudy) -> bool:
    """Whether `user` may see the case a study came from (and so its drafts and reference)."""
    return study.case.organisation_id in organisation_ids_for(user)


class CaseStudyNotFound(LookupError):
    def __init__(self, pk):
        super().__init__(f"There is no case study {pk} that you can see.")


def get_study(user, pk: int) -> CaseStudy:
    study = studies_for(user).select_related("case__organisation").filter(pk=pk).first()
    if study is None:
        raise CaseStudyNotFound(pk)
    return study


def study_of(case: Case, number: int) -> CaseStudy:
    study = case.case_studies.filter(number=number).first()
    if study is None:
        raise InvalidCase("case_study", f"{case.reference} has no case study {number}")
    return study
