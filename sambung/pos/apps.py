from django.apps import AppConfig


class PosConfig(AppConfig):
    name = "sambung.pos"
    verbose_name = "Point of sale"
