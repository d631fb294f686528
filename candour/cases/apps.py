from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "candour.cases"
    verbose_name = "Cases"
