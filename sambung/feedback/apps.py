from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "sambung.feedback"
    verbose_name = "Reviews, complaints and listing quality"
