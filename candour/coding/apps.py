from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "candour.coding"
    verbose_name = "Coding for reporting"
