from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sambung.api"
    verbose_name = "API"
