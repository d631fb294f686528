from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "candour.letters"
    verbose_name = "Letters"
