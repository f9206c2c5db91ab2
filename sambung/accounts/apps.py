from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sambung.accounts"
    verbose_name = "Accounts"
