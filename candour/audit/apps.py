from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "candour.audit"
    verbose_name = "Audit trail"

    def ready(self):
        from candour.audit import checks  # noqa: F401  (registers the key check)
