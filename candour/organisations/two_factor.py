"""Staff two-factor authentication: a TOTP authenticator app for every staff account.

The sign-in pages (candour/web/signin.py), the demo loader and `candour totp` call these;
django-otp stores the devices and checks the codes (with its own throttling).
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from candour.audit.chain import record

DEVICE_NAME = "Authenticator app"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def device_to_set_up(user) -> TOTPDevice:
    """The unconfirmed device the user is setting up (the same one until they confirm it,
    so that reloading the page does not change the secret they have scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The base-32 secret an authenticator app asks for, in groups of four."""
    text = b32encode(unhexlify(device.key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def check(device: TOTPDevice, code: str) -> bool:
    code = "".join(code.split())
    return len(code) == device.digits and code.isdigit() and device.verify_token(code)


@transaction.atomic
def confirm(device: TOTPDevice, code: str) -> bool:
    """Confirm a new device with a code from it. Writes a second_factor_set_up event."""
    if device.confirmed or not check(device, code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    record("second_factor_set_up", actor=device.user, device=device.name)
    return True


def current_code(device: TOTPDevice, now: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if now is None else now
    return f"{totp.token():0{device.digits}d}"


def ensure_device(user, key_hex: str) -> TOTPDevice:
    """A confirmed device with a known secret, for demo and development users only. A user
    who already has a confirmed device keeps it (as the demo keeps a changed password)."""
    return confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name=DEVICE_NAME, key=key_hex, confirmed=True
    )


# The demo logins' shared secret: RFC 6238's published test key, so that it is plainly not a
# real one. Base 32: GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ.
DEMO_KEY = "3132333435363738393031323334353637383930"
DEMO_SECRET = "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
