"""The Jinja2 environment of Candour's web pages (settings.TEMPLATES, the Jinja2 backend).

Templates live in candour/web/jinja2/ and import the NHS.UK design system's macros from the
`nhsuk-frontend-jinja` package ("nhsuk/components/button/macro.jinja"). Django's Jinja2
backend already puts `request`, `csrf_input` and `csrf_token` in every template; this adds
url(), static(), the messages, and the signed-in user's organisation (see context()).
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, Undefined
from jinja2.runtime import Macro
from markupsafe import Markup


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def day(value: date | datetime | None) -> str:
    """'Mon 2 Nov 2026', the way the deadline bases write dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value:%a} {value.day} {value:%b %Y}"


def moment(value: datetime | None) -> str:
    """'Mon 2 Nov 2026 at 09:05' in London time."""
    if value is None:
        return ""
    value = timezone.localtime(value)
    return f"{day(value)} at {value:%H:%M}"


# Design-system macro output by macro and parameters (remembered()); emptied when full.
_REMEMBERED: dict[tuple, Markup] = {}
REMEMBERED_MAX = 1000


def _key(value):
    """A hashable key for macro parameters: dicts and lists as sorted tuples, and an undefined
    value (a parameter left out) distinct from every string."""
    if isinstance(value, Undefined):
        return (Undefined,)
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    return (type(value), value)


def remembered(macro: Macro, params: dict) -> Markup:
    """`macro(params)`, from memory when it was called with the same parameters before. For
    design-system macros whose output depends on their parameters alone (they are imported
    without the page's context): the header, rendered on every staff page with the same few
    parameters per user, takes 3 ms each time."""
    key = (macro.name, _key(params))
    found = _REMEMBERED.get(key)
    if found is None:
        if len(_REMEMBERED) >= REMEMBERED_MAX:
            _REMEMBERED.clear()
        found = _REMEMBERED[key] = Markup(macro(params))
    return found


def environment(**options) -> Environment:
    # Django's backend passes a FileSystemLoader for the apps' jinja2/ folders; the design
    # system's macros come after it. ChainableUndefined, as nhsuk-frontend-jinja requires.
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    options["undefined"] = ChainableUndefined
    options.setdefault("autoescape", True)
    env = Environment(**options)
    env.globals.update(
        {
            "url": url,
            "static": static,
            "get_messages": messages.get_messages,
            "remembered": remembered,
        }
    )
    env.filters.update({"day": day, "moment": moment})
    return env
