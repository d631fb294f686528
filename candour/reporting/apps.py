from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "candour.reporting"
    verbose_name = "Reporting"
