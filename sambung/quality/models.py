"""Quality standards (versioned criteria per cooperative and category) and inspections of pieces and batches.

A StandardVersion is never changed once written: editing a standard writes the next version. An Inspection
keeps the version it used and a copy of every criterion it checked with the value found, so what it recorded
stays true whatever the standard becomes later. Written only by quality.standards and quality.inspections.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sambung.accounts.models import Role
from sambung.catalog.models import SKU, Category, Cooperative, Location, Piece, localized
from sambung.inventory.models import StockMove
from sambung.lib.ids import uuid7


class Standard(models.Model):
    """What a cooperative checks before selling goods of one category."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="standards")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="standards")
    name_id = models.CharField(_("name (Indonesian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_id"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "category"], name="one_standard_per_category")
        ]

    def __str__(self) -> str:
        return self.name_id

    @property
    def name(self) -> str:
        return localized(self, "name")


class StandardVersion(models.Model):
    """One version of a standard's criteria (a list of dicts read by quality.standards.Criterion)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    criteria = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="standard_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="standard_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.standard} v{self.number}"


class Outcome(models.TextChoices):
    GRADE_A = "a", _("grade A")
    GRADE_B = "b", _("grade B")
    REJECT = "reject", _("rejected")


PASSING = (Outcome.GRADE_A, Outcome.GRADE_B)


class Inspection(models.Model):
    """An inspection of one piece, or of a batch of counted units of a SKU at a location.

    A passed inspection released its units for sale by the move it names; a rejected one left them in quality
    control, where no channel can sell them (a piece may be inspected again after a repair).
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="inspections")
    standard_version = models.ForeignKey(
        StandardVersion, on_delete=models.PROTECT, related_name="inspections"
    )
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="inspections")
    piece = models.ForeignKey(
        Piece, on_delete=models.PROTECT, related_name="inspections", null=True, blank=True
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="inspections")
    quantity = models.PositiveIntegerField(_("units inspected"), default=1)
    # One dict per criterion: its definition at the time, the value found, its effect and a sentence about it.
    results = models.JSONField()
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note_id = models.TextField(_("note for buyers (Indonesian)"), blank=True)
    note_en = models.TextField(_("note for buyers (English)"), blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The role at the time: buyers see the role, never the person.
    inspector_role = models.CharField(max_length=20, choices=Role.choices)
    release_move = models.OneToOneField(
        StockMove, on_delete=models.PROTECT, null=True, blank=True, related_name="inspection"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inspection_has_units"),
            models.CheckConstraint(
                condition=Q(piece__isnull=True) | Q(quantity=1), name="piece_inspection_is_one_unit"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["a", "b"], release_move__isnull=False)
                | Q(outcome="reject", release_move__isnull=True),
                name="passed_inspection_released_its_units",
            ),
        ]
        indexes = [
            models.Index(fields=["piece", "created_at"]),
            models.Index(fields=["sku", "location", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.piece or self.sku} {self.outcome}"

    @property
    def is_passed(self) -> bool:
        return self.outcome in PASSING

    @property
    def note(self) -> str:
        return localized(self, "note")


class InspectionPhoto(models.Model):
    """A photo taken at an inspection, kept as sent, with the same WebP renditions as catalogue photos."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    original = models.FileField(upload_to="photos/original/")
    thumb = models.FileField(upload_to="photos/thumb/")
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()
    detail = models.FileField(upload_to="photos/detail/")
    detail_width = models.PositiveIntegerField()
    detail_height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.original.name
