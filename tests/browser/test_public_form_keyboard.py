"""The public feedback form completed with the keyboard alone: no clicks and no fill(), only
Tab, Shift+Tab, Space, Enter and typing. Every element that takes focus on the way must show
a visible focus indicator, and after an error the error summary takes focus."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from candour.cases.models import Case

from .conftest import expect

# What has focus, and whether it shows it: an outline that is not transparent, a box shadow,
# or, for a radio (whose input is drawn by its label), the shadow on its label's ::before.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const visible = (style) =>
    (style.boxShadow && style.boxShadow !== 'none') ||
    (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 &&
     !/rgba\\(0, 0, 0, 0\\)|transparent/.test(style.outlineColor));
  let shown = visible(getComputedStyle(el));
  if (el.matches('input[type=radio], input[type=checkbox]') && el.labels.length) {
    shown = shown || visible(getComputedStyle(el.labels[0], '::before'));
  }
  return {
    id: el.id, tag: el.tagName.toLowerCase(), type: el.type || '', value: el.value || '',
    text: (el.innerText || '').trim().slice(0, 60), classes: el.className || '', shown,
  };
}"""


def _focused(page) -> dict:
    focused = page.evaluate(FOCUSED)
    assert focused is not None, "nothing has focus"
    assert focused["shown"], f"no visible focus indicator on {focused}"
    return focused


def _tab_to(page, matches, *, back: bool = False, limit: int = 40) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; every element passed on
    the way must show that it has focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = _focused(page)
        if matches(focused):
            return focused
    raise AssertionError("Tab never reached the element wanted")


def _by_id(element_id: str):
    return lambda f: f["id"] == element_id


def _button(text: str):
    return lambda f: f["text"] == text and f["tag"] in ("button", "a")


def _next_page(page, slug: str) -> None:
    page.wait_for_url(re.compile(rf"/feedback/WAL/{slug}/"))
    page.wait_for_load_state()


def _press_continue(page, slug: str) -> None:
    _tab_to(page, _button("Continue"))
    page.keyboard.press("Enter")
    _next_page(page, slug)


def test_the_public_form_with_the_keyboard_alone(page, org_a):
    happened = timezone.localdate() - timedelta(days=10)
    page.goto("/feedback/WAL/")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to main content"
    _tab_to(page, _button("Start now"))
    page.keyboard.press("Enter")
    _next_page(page, "kind")

    # Continue without choosing: the error summary takes focus, and its link leads to the
    # question.
    _press_continue(page, "kind")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    assert _focused(page)["classes"].startswith("nhsuk-error-summary")
    _tab_to(page, lambda f: f["text"] == "Select what you would like to do")
    page.keyboard.press("Enter")
    # The link moves focus to the first radio of the question; Space chooses it.
    assert _focused(page)["id"] == "kind"
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked")
    _press_continue(page, "about")

    _tab_to(page, lambda f: f["type"] == "radio")  # the first radio: Myself
    page.keyboard.press("Space")
    _press_continue(page, "what")

    _tab_to(page, _by_id("description"))
    page.keyboard.type("The reception desk was closed when my appointment was due.")
    _press_continue(page, "when")

    _tab_to(page, lambda f: f["type"] == "radio")  # I know the date, or roughly when
    page.keyboard.press("Space")
    for box, value in (
        ("event_date", happened.day),
        ("event_date-month", happened.month),
        ("event_date-year", happened.year),
    ):
        _tab_to(page, _by_id(box))
        page.keyboard.type(str(value))
    _press_continue(page, "where")

    _tab_to(page, _by_id("service"))
    page.keyboard.type("Reception")
    _press_continue(page, "outcome")
    _press_continue(page, "contact")  # the outcome is optional

    _tab_to(page, lambda f: f["type"] == "radio")  # By email
    page.keyboard.press("Space")
    _press_continue(page, "details")

    _tab_to(page, _by_id("first_name"))
    page.keyboard.type("Cal")
    page.keyboard.press("Tab")
    page.keyboard.type("Example")
    _tab_to(page, _by_id("email"))
    page.keyboard.type("cal@example.invalid")
    # Shift+Tab back to the last name to correct it: focus by Tab selects what is there, so
    # typing replaces it.
    _tab_to(page, _by_id("last_name"), back=True)
    page.keyboard.type("Example-Smith")
    _press_continue(page, "needs")

    _tab_to(page, lambda f: f["type"] == "radio")  # No
    page.keyboard.press("Space")
    _press_continue(page, "check")

    expect(page.locator(".nhsuk-summary-list")).to_contain_text("Example-Smith")
    _tab_to(page, _button("Send"))
    page.keyboard.press("Enter")
    _next_page(page, "sent")

    case = Case.objects.get()
    expect(page.locator(".nhsuk-panel")).to_contain_text(case.reference)
    assert case.kind == "complaint" and case.service == "Reception"
    assert case.event_date == happened
    complainant = case.parties.get().person
    assert (complainant.first_name, complainant.last_name) == ("Cal", "Example-Smith")


def test_the_focus_check_can_fail(page, db):
    """The check itself: a button whose focus style is taken away shows no indicator."""
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<button style="outline: none; box-shadow: none">Go</button></main></body></html>'
    )
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["text"] == "Go" and not focused["shown"]
