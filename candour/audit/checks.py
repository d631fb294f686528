"""System checks: a production server refuses to start without its audit key (docs/adr/0014)."""

from django.conf import settings
from django.core.checks import Error, register

from candour.audit.keys import AuditKeyMissing, keys


@register()
def audit_key_is_configured(app_configs, **kwargs):
    if settings.DEBUG:
        return []  # development: the key file is created on first use
    try:
        keys()
    except AuditKeyMissing as missing:
        return [Error(str(missing), id="candour.audit.E001")]
    return []
