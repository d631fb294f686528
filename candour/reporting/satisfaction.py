"""The satisfaction survey in the reports (R37).

Seed 004, Reporting and Recording Complaints: the annual report includes "whether
complainants and staff were satisfied with the process and outcomes; and the results of the
annual patient satisfaction survey". Seed 003 §11.2: "Introduce a patient
satisfaction/experience survey."

Every figure is a count of cases (`Scope.counts`), each picked by an EXISTS over the case's
surveys, so that the report pages list the cases behind it as they do for any other figure:
surveys sent and offered-and-declined in the period, surveys answered in the period, and
for each question of the surveys answered, how many gave each answer and the share who
were satisfied (the answers the policy counts as satisfied).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from candour.cases.closure_models import Survey, SurveyAnswer, SurveyOffer
from candour.reporting.figures import Percent, Row, Scope, Table

COLUMNS = ["Cases"]


def _surveys(**filters) -> Q:
    return Q(Exists(Survey.objects.filter(case_id=OuterRef("pk"), **filters)))


def _answered(period, **answer) -> Q:
    """Cases with a survey answered in `period` (with an answer matching `answer`)."""
    answered = {"answered_at__gte": period.start, "answered_at__lt": period.end}
    if not answer:
        return _surveys(**answered)
    rows = SurveyAnswer.objects.filter(
        survey__case_id=OuterRef("pk"),
        **{f"survey__{k}": v for k, v in answered.items()},
        **answer,
    )
    return Q(Exists(rows))


def _questions(scope: Scope, period) -> list[dict]:
    """The questions answered in the period in the scope's cases, in the order of the
    organisation's policy (then any others), each with its answers in the policy's order."""
    policy = scope.organisation.policy.survey
    given = (
        SurveyAnswer.objects.filter(
            survey__case__in=scope.cases().values("pk"),
            survey__answered_at__gte=period.start,
            survey__answered_at__lt=period.end,
        )
        .values_list("question", "text", "answer", "satisfied")
        .distinct()
        .order_by("question", "answer")
    )
    found: dict[str, dict] = {}
    for key, text, answer, satisfied in given:
        q = found.setdefault(key, {"key": key, "text": text, "answers": [], "choice": False})
        if satisfied is not None:
            q["choice"] = True
            q["answers"].append(answer)
    for q in policy.questions:
        found.setdefault(
            q.key, {"key": q.key, "text": q.text, "answers": [], "choice": bool(q.answers)}
        )
        if q.answers:
            found[q.key]["text"] = q.text
            order = {a: i for i, a in enumerate(q.answers)}
            found[q.key]["answers"] = sorted(
                set(found[q.key]["answers"]) | set(q.answers), key=lambda a: order.get(a, 99)
            )
    order = {q.key: i for i, q in enumerate(policy.questions)}
    return sorted(found.values(), key=lambda q: (order.get(q["key"], 99), q["key"]))


def satisfaction(scope: Scope, year) -> Table:
    """Surveys sent, declined and answered in the period, and the answers (R37)."""
    period = year.whole
    within = {"offered_at__gte": period.start, "offered_at__lt": period.end}
    figures = {
        "sent": _surveys(offer=SurveyOffer.SENT, **within),
        "declined": _surveys(offer=SurveyOffer.DECLINED, **within),
        "answered": _answered(period),
    }
    questions = _questions(scope, period)
    for q in questions:
        figures[f"{q['key']}:answered"] = _answered(period, question=q["key"])
        if q["choice"]:
            figures[f"{q['key']}:satisfied"] = _answered(period, question=q["key"], satisfied=True)
            for i, answer in enumerate(q["answers"]):
                figures[f"{q['key']}:{i}"] = _answered(period, question=q["key"], answer=answer)
    where = figures["sent"] | figures["declined"] | figures["answered"]
    counts = scope.counts(figures, where=where)
    rows = [
        Row("Surveys sent", [counts["sent"]], "sent"),
        Row("Surveys offered and declined", [counts["declined"]], "declined"),
        Row("Surveys answered", [counts["answered"]], "answered"),
    ]
    for q in questions:
        key = q["key"]
        rows.append(Row(f"{q['text']} (answered)", [counts[f"{key}:answered"]], f"{key}:answered"))
        if not q["choice"]:
            continue
        for i, answer in enumerate(q["answers"]):
            rows.append(Row(f"{q['text']} {answer}", [counts[f"{key}:{i}"]], f"{key}:{answer}"))
        rows.append(
            Row(
                f"{q['text']} % satisfied",
                [Percent(counts[f"{key}:satisfied"], counts[f"{key}:answered"])],
                f"{key}:percent",
            )
        )
    return Table(
        "satisfaction",
        "Satisfaction survey after closure",
        COLUMNS,
        rows,
        note="Cases whose satisfaction survey was sent, or offered and declined, in the "
        "period, and cases whose survey was answered in the period, with each answer.",
    )
