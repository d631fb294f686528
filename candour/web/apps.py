from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "candour.web"
    verbose_name = "Staff web application"
