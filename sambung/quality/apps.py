from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "sambung.quality"
    verbose_name = "Quality"
