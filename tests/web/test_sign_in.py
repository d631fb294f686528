"""Staff sign-in: password, then a code from an authenticator app; set-up for a user with
no app yet; lockout after repeated failures; every staff page needs the second factor."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from candour.audit.models import AuditEvent
from candour.organisations import two_factor

from ..conftest import make_case

PASSWORD = "correct horse battery"


def code_for(device, at: float | None = None) -> str:
    return two_factor.current_code(device, at)


def next_code(device) -> str:
    """A code valid now that has not been used (TOTP codes are single use)."""
    return code_for(device, time.time())


def password_step(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("web:sign-in"), data)


@pytest.fixture
def alice_device(alice):
    return two_factor.ensure_device(alice, two_factor.DEMO_KEY)


def test_a_right_password_then_a_right_code_signs_in_and_shows_the_worklist(
    client, alice, alice_device
):
    response = password_step(client, "alice")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:code"))
    # After the password alone nobody is signed in: not the web, not the API's session.
    assert client.get(reverse("web:worklist")).status_code == 302
    assert client.get("/api/v1/cases").status_code == 401

    response = client.post(response["Location"], {"code": next_code(alice_device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:worklist")
    page = client.get(reverse("web:worklist"))
    assert page.status_code == 200
    assert "alice" in page.content.decode()


def test_a_wrong_password_is_refused_with_a_message_and_nothing_signed_in(client, alice):
    response = password_step(client, "alice", "wrong horse")
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert "The username or password is not right" in text
    assert client.get(reverse("web:worklist")).status_code == 302


def test_an_empty_form_says_what_to_fill_in(client, db):
    text = client.post(reverse("web:sign-in"), {}).content.decode()
    assert re.search(r'href="#username"[^>]*>\s*Enter your username', text)
    assert re.search(r'href="#password"[^>]*>\s*Enter your password', text)


def test_a_wrong_code_is_refused_and_the_user_is_not_signed_in(client, alice, alice_device):
    step = password_step(client, "alice")["Location"]
    good = next_code(alice_device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(step, {"code": wrong})
    assert response.status_code == 400
    assert "The code is not right" in response.content.decode()
    assert client.get(reverse("web:worklist")).status_code == 302


def test_five_failures_lock_the_account_and_say_when_to_try_again(client, alice, alice_device):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, "alice", "wrong horse")
    response = password_step(client, "alice")  # even the right password now
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed attempts" in text
    assert re.search(r"try again after <strong>\w{3} \d+ \w{3} \d{4} at \d\d:\d\d</strong>", text)
    assert client.get(reverse("web:worklist")).status_code == 302


def test_wrong_codes_count_towards_the_lockout(client, alice, alice_device):
    step = password_step(client, "alice")["Location"]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(step, {"code": "000000"}).status_code == 400
    assert client.post(step, {"code": "000000"}).status_code == 429
    # Locked: the right code no longer helps, nor does starting again.
    assert password_step(client, "alice").status_code == 429


def test_a_user_without_an_app_must_set_one_up_before_any_page(client, alice):
    response = password_step(client, "alice", next_url=reverse("web:worklist"))
    assert response["Location"].startswith(reverse("web:set-up"))
    page = client.get(response["Location"])
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert "otpauth://totp/Candour%3Aalice?secret=" in text
    assert two_factor.secret_of(device) in text
    assert "<svg" in text  # the QR code, inline
    assert client.get(reverse("web:worklist")).status_code == 302

    response = client.post(response["Location"], {"code": next_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(event="second_factor_set_up", actor=alice).count() == 1
    assert client.get(reverse("web:worklist")).status_code == 200


def test_reloading_the_set_up_page_keeps_the_same_secret(client, alice):
    step = password_step(client, "alice")["Location"]
    client.get(step)
    client.get(step)
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_sign_out_ends_the_session(client, alice, alice_device):
    step = password_step(client, "alice")["Location"]
    client.post(step, {"code": next_code(alice_device)})
    assert client.get(reverse("web:worklist")).status_code == 200
    assert client.post(reverse("web:sign-out")).status_code == 200
    assert client.get(reverse("web:worklist")).status_code == 302


def session_max_age(response) -> str:
    """Max-Age of the session cookie in the response's Set-Cookie header."""
    header = response.cookies[settings.SESSION_COOKIE_NAME].output(header="")
    return dict(part.strip().partition("=")[::2] for part in header.split(";") if "=" in part)[
        "Max-Age"
    ]


def test_the_session_cookie_lasts_the_idle_timeout_and_is_renewed_by_each_request(
    client, alice, alice_device
):
    response = password_step(client, "alice")
    assert session_max_age(response) == "1800"  # 30 minutes: CANDOUR_SESSION_IDLE_MINUTES
    response = client.post(response["Location"], {"code": next_code(alice_device)})
    assert session_max_age(response) == "1800"
    assert session_max_age(client.get(reverse("web:worklist"))) == "1800"


def test_a_session_begun_on_the_public_form_keeps_only_the_staff_idle_timeout_once_signed_in(
    client, alice, alice_device, org_a
):
    # The public form keeps a visitor's answers for 4 hours without a request.
    page = client.get(f"/feedback/{org_a.code}/kind/")
    answered = client.post(
        f"/feedback/{org_a.code}/kind/",
        {"kind": "complaint", "csrfmiddlewaretoken": page.cookies["csrftoken"].value},
    )
    assert session_max_age(answered) == str(4 * 60 * 60)
    step = password_step(client, "alice")["Location"]
    response = client.post(step, {"code": next_code(alice_device)})
    assert session_max_age(response) == "1800"
    assert session_max_age(client.get(reverse("web:worklist"))) == "1800"


def test_sign_in_goes_on_to_a_safe_next_page_only(client, alice, alice_device):
    step = password_step(client, "alice", next_url="https://elsewhere.example/")["Location"]
    response = client.post(step, {"code": next_code(alice_device)})
    assert response["Location"] == reverse("web:worklist")


@pytest.mark.parametrize("name", ["web:worklist", "web:case"])
def test_every_staff_page_sends_an_unverified_user_to_sign_in(client, alice, org_a, name):
    case = make_case(org_a, alice)
    url = reverse(name, args=[case.reference] if name == "web:case" else [])
    for signed_in_without_code in (False, True):
        if signed_in_without_code:
            client.force_login(alice)  # a password-only session, however it came about
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:sign-in") + "?next=")


def test_every_staff_url_is_guarded(client, db):
    """Every route in the `web` namespace is either a sign-in page or needs the second factor,
    so a new page cannot forget the check."""
    from django.urls import get_resolver

    from candour.web import urls

    # And the complainant's satisfaction survey (R37), opened with the key it was sent with.
    open_views = {"sign-in", "code", "set-up", "sign-out", "survey-answer"}
    for pattern in urls.urlpatterns:
        public = getattr(pattern.callback, "candour_public", False)
        assert public == (pattern.name in open_views), pattern.name
    assert get_resolver()  # the module is the one mounted at /


def test_the_admin_needs_the_second_factor_too(client, db):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.invalid", PASSWORD)
    client.force_login(root)  # password only
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(reverse("web:sign-in"))
