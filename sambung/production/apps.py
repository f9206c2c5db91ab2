from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "sambung.production"
    verbose_name = "Production"
