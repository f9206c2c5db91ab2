"""Who may do what, in which cooperative."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import Cooperative, Maker


class Role(models.TextChoices):
    MANAGER = "manager", _("cooperative manager")
    HUB_OPERATOR = "hub_operator", _("hub operator")
    MAKER = "maker", _("maker")
    PROGRAM_VIEWER = "program_viewer", _("program viewer")


class Membership(models.Model):
    """A user's role in one cooperative. Buyers have no membership."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    maker = models.ForeignKey(
        Maker,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("For a maker: which maker record is hers."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "cooperative"], name="one_role_per_cooperative"),
            models.CheckConstraint(
                condition=~models.Q(role="maker") | models.Q(maker__isnull=False),
                name="maker_membership_names_maker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.cooperative}"
