"""Letters are case data: every query on them goes through the organisations cases_for(user)
reads."""

from __future__ import annotations

from candour.letters.models import Letter
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability


class LetterNotFound(LookupError):
    def __init__(self, pk):
        super().__init__(f"There is no letter {pk} that you can see.")


def letters_for(user):
    """The letters of the cases `user` may see: those of the organisations `cases_for` reads,
    joined through the case. (As `case__in=cases_for(user)`, SQLite gathered every case id of
    the user's organisations before it looked at the one letter: 100 ms at 1,000,000 cases.)"""
    return Letter.objects.filter(
        case__organisation_id__in=organisation_ids_for(user, Capability.VIEW_CASES)
    )


def get_letter(user, pk: int) -> Letter:
    try:
        return letters_for(user).select_related("case__organisation").get(pk=pk)
    except (Letter.DoesNotExist, ValueError, TypeError):
        raise LetterNotFound(pk) from None
