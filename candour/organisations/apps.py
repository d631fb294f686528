from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "candour.organisations"
    verbose_name = "Organisations, people and policy"
