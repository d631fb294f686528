"""Lessons learned and actions across cases (R35): /api/v1/learning/...

Only cases the user may see (through cases_for, in candour.cases.actions) are included."""

from __future__ import annotations

from ninja import Query, Router

from candour.api import render
from candour.api.schemas import READ_ERRORS, ActionFilters, ActionItem, LearningFilters, LessonItem
from candour.cases import actions

router = Router(tags=["learning"])


def _across(row) -> dict:
    case = row.case
    return {
        "reference": case.reference,
        "organisation": case.organisation.code,
        "service": case.service,
    }


def _page(qs, filters):
    return qs[filters.offset : filters.offset + filters.limit]


@router.get("/lessons", response={200: list[LessonItem], **READ_ERRORS})
def lessons(request, filters: Query[LearningFilters]):
    """Lessons learned across your cases, newest first; filter by theme, service and date."""
    found = actions.lessons_for(
        request.auth,
        **filters.model_dump(include={"theme", "service", "since", "until", "q"}),
    )
    return [{**_across(x), "lesson": render.lesson(x)} for x in _page(found, filters)]


@router.get("/actions", response={200: list[ActionItem], **READ_ERRORS})
def action_list(request, filters: Query[ActionFilters]):
    """Actions across your cases, soonest due first; filter by theme, service, date, status."""
    found = actions.actions_for(
        request.auth,
        **filters.model_dump(
            include={"theme", "service", "since", "until", "q", "status", "outstanding"}
        ),
    )
    return [{**_across(a), "action": render.action(a)} for a in _page(found, filters)]
