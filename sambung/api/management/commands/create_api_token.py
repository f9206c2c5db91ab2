"""Create an API token for a user and print its key, once: only its hash is kept."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sambung.api.auth import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a user (a hub or an app acts as that user) and print the key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="Which hub or app uses it, e.g. 'Hub Sikka laptop'.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        try:
            token, key = create_api_token(user=user, name=name)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            f"Token {token.name!r} for {username} (sb_{token.prefix}_…). "
            "Copy the key now; it cannot be shown again. Send it as: Authorization: Bearer <key>"
        )
        self.stdout.write(key)
