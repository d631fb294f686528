from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "candour.intake"
    label = "intake"
    verbose_name = "Public feedback form"
