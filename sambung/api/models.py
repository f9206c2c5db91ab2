"""API tokens: a hub or an app acts as one user; only a hash of the key is kept."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sambung.lib.ids import uuid7


class ApiToken(models.Model):
    """A key shown once at creation; the prefix finds the row, the SHA-256 hash proves the key."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, help_text=_("e.g. Hub Sikka laptop"))
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (sb_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
