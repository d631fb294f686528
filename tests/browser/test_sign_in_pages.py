"""The sign-in pages in a real browser: password, first-time set-up of the authenticator
app, the code, lockout, keyboard-only use and signing out; each page checked by axe-core."""

from __future__ import annotations

import re

from candour.organisations import two_factor

from .conftest import PASSWORD, _fresh_code, check_page, expect


def test_a_user_without_an_app_sets_one_up_then_reaches_the_worklist(page, ivan):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("ivan")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/sign-in/set-up/"))
    check_page(page, "sign-in-set-up")
    # The key shown is the one the new device holds: type it into "the app" (compute a code).
    shown = page.locator("#secret").inner_text()
    device = two_factor.device_to_set_up(ivan)
    assert shown == two_factor.secret_of(device)
    address = page.get_by_text("Or open this address on the phone")
    assert address.inner_text().startswith("Or open this address on the phone: otpauth://totp/")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Finish setting up and sign in").click()
    expect(page.get_by_role("link", name=re.compile("The code is not right"))).to_be_visible()
    check_page(page, "sign-in-set-up-error", keep_screenshot=False)
    # django-otp refuses any code for a second after a wrong one (its throttle); so would a
    # person's retyping take that long.
    page.wait_for_timeout(1100)
    page.get_by_label("Code from your authenticator app").fill(two_factor.current_code(device))
    page.get_by_role("button", name="Finish setting up and sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    assert two_factor.confirmed_device(ivan) is not None


def test_repeated_wrong_passwords_lock_the_account_with_a_message(page, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto("/sign-in/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password", exact=True).fill("wrong horse")
        page.get_by_role("button", name="Continue").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Too many failed attempts"
    check_page(page, "sign-in-locked")


def _tab_to(page, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == (
            element_id
        ):
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_signing_in_with_the_keyboard_alone_then_signing_out(page, alice):
    two_factor.ensure_device(alice, two_factor.DEMO_KEY)
    page.goto("/")
    assert "/sign-in/" in page.url  # every staff page needs a verified sign-in
    check_page(page, "sign-in")
    # The first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == (
        "Skip to main content"
    )
    _tab_to(page, "username")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sign-in/code/"))
    check_page(page, "sign-in-code")
    _tab_to(page, "code")
    page.keyboard.type(_fresh_code(alice))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Worklist")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    check_page(page, "signed-out")
    page.goto("/")
    assert "/sign-in/" in page.url


def test_the_accessibility_check_can_fail(page, db):
    """The harness itself: axe-core reports an unlabelled field and an image without text."""
    import pytest

    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<input type="text"><img src="x.png"></main></body></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failed:
        check_page(page, "not-saved", keep_screenshot=False)
    assert "image-alt" in str(failed.value) and "label" in str(failed.value)
