"""Letters are case data: every query on them goes through the cases the user may see."""

from __future__ import annotations

from candour.cases.access import on_visible_cases
from candour.letters.models import Letter


class LetterNotFound(LookupError):
    def __init__(self, pk):
        super().__init__(f"There is no letter {pk} that you can see.")


def letters_for(user):
    """The letters of the cases `user` may see."""
    return Letter.objects.filter(on_visible_cases(user))


def get_letter(user, pk: int) -> Letter:
    try:
        return letters_for(user).select_related("case__organisation").get(pk=pk)
    except (Letter.DoesNotExist, ValueError, TypeError):
        raise LetterNotFound(pk) from None
