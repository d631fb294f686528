"""Staff sign-in: username and password, then a 6-digit code from an authenticator app.

The user is not signed in (django.contrib.auth.login) until both factors pass: after the
password the session holds only a pending user id, so nothing (the API's session auth
included) treats a half-finished sign-in as signed in. A user without a confirmed TOTP
device sets one up before reaching any page. Wrong passwords and wrong codes both count
towards django-axes' lockout.

`VerifiedStaffMiddleware` is the one place that guards staff pages: every view in the
`web` URL namespace needs a session verified with the second factor, unless it is marked
@public (the sign-in pages themselves).
"""

from __future__ import annotations

import time
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from candour.organisations import two_factor

PENDING = "candour_pending_sign_in"
PENDING_SECONDS = 5 * 60


def public(view):
    """Mark a view in the `web` namespace as open without a verified sign-in."""
    view.candour_public = True
    return view


class VerifiedStaffMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.namespace != "web" or getattr(view_func, "candour_public", 0):
            return None
        user = request.user
        if user.is_authenticated and user.is_verified():
            return None
        return redirect(f"{reverse('web:sign-in')}?{urlencode({'next': request.get_full_path()})}")


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:worklist")


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def _credentials(user) -> dict:
    return {"username": user.get_username()}


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response: say when to try again."""
    request.session.pop(PENDING, None)
    cool_off = get_cool_off(request) or timedelta(minutes=30)
    until = timezone.localtime() + cool_off
    minutes = round(cool_off.total_seconds() / 60)
    return render(
        request,
        "web/signin/locked.jinja",
        {"until": until, "minutes": minutes},
        status=429,
    )


@public
def sign_in(request):
    errors: dict[str, str] = {}
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        if not username:
            errors["username"] = "Enter your username"
        if not password:
            errors["password"] = "Enter your password"
        if not errors:
            user = auth.authenticate(request, username=username, password=password)
            if getattr(request, "axes_locked_out", False):
                return locked_out(request)
            if user is None:
                errors["password"] = (
                    "The username or password is not right. Check them and try again; "
                    f"after {settings.AXES_FAILURE_LIMIT} failed attempts the account is "
                    "locked for a while."
                )
            else:
                request.session.cycle_key()
                request.session[PENDING] = {
                    "user": user.pk,
                    "backend": user.backend,
                    "at": time.time(),
                }
                step = "web:code" if two_factor.confirmed_device(user) else "web:set-up"
                return redirect(f"{reverse(step)}?{urlencode({'next': _next(request)})}")
    return render(
        request,
        "web/signin/password.jinja",
        {"errors": errors, "username": username, "next": _next(request)},
        status=400 if errors else 200,
    )


def _finish(request, user, device):
    request.session.pop(PENDING, None)
    # The staff idle timeout (SESSION_COOKIE_AGE), even if this browser's session was
    # started on the public form, which keeps a public session for longer.
    request.session.set_expiry(None)
    auth.login(request, user)
    django_otp.login(request, device)
    return redirect(_next(request))


def _wrong_code(request, user) -> str | None:
    """Count a wrong code as a failed sign-in; None if that locked the account out."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    if getattr(request, "axes_locked_out", False):
        return None
    return "The code is not right. Enter the 6-digit code your authenticator app shows now"


def _code_step(request, template: str, device, check, extra: dict | None = None):
    user = _pending_user(request)
    if user is None:
        return redirect(f"{reverse('web:sign-in')}?{urlencode({'next': _next(request)})}")
    if AxesProxyHandler.is_locked(request, _credentials(user)):
        return locked_out(request)
    device = device(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = request.POST.get("code", "")
        if not code.strip():
            errors["code"] = "Enter the 6-digit code from your authenticator app"
        elif check(device, code):
            return _finish(request, user, device)
        else:
            message = _wrong_code(request, user)
            if message is None:
                return locked_out(request)
            errors["code"] = message
    context = {"errors": errors, "next": _next(request), "user_pending": user}
    context.update(extra(device) if extra else {})
    return render(request, template, context, status=400 if errors else 200)


@public
def code(request):
    user = _pending_user(request)
    if user is not None and two_factor.confirmed_device(user) is None:
        return redirect(f"{reverse('web:set-up')}?{urlencode({'next': _next(request)})}")
    return _code_step(
        request, "web/signin/code.jinja", two_factor.confirmed_device, two_factor.check
    )


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def _set_up_context(device) -> dict:
    uri = device.config_url
    return {"secret": two_factor.secret_of(device), "uri": uri, "qr_svg": _qr_svg(uri)}


@public
def set_up(request):
    user = _pending_user(request)
    if user is not None and two_factor.confirmed_device(user) is not None:
        return redirect(f"{reverse('web:code')}?{urlencode({'next': _next(request)})}")
    return _code_step(
        request,
        "web/signin/set_up.jinja",
        two_factor.device_to_set_up,
        two_factor.confirm,
        _set_up_context,
    )


@public
@require_POST
def sign_out(request):
    auth.logout(request)
    return render(request, "web/signin/signed_out.jinja")
