"""Revoke an API token by the prefix shown when it was made (sb_<prefix>_…), e.g. for a lost hub laptop."""

from django.core.management.base import BaseCommand, CommandError

from sambung.api.auth import revoke_api_token
from sambung.api.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token; it stops working from its next request on."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="The 8 characters after sb_ in the key, or the whole key.")

    def handle(self, *args, prefix: str, **options):
        prefix = prefix.removeprefix("sb_")[:8]
        token = ApiToken.objects.filter(prefix=prefix).select_related("user").first()
        if token is None:
            raise CommandError(f"No token with the prefix {prefix!r}.")
        revoke_api_token(token=token)
        self.stdout.write(f"Revoked {token.name!r} of {token.user.get_username()} (sb_{token.prefix}_…).")
