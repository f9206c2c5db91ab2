"""The stock ledger: append-only moves and a cached level per SKU and location that is never negative."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import SKU, Location, Node, Piece
from sambung.lib.ids import uuid7


class StockLevel(models.Model):
    """Σ moves for one SKU at one location; written only by inventory.ledger."""

    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "location"], name="one_level_per_sku_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="on_hand_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} @ {self.location_id}: {self.on_hand}"


class StockMove(models.Model):
    class Reason(models.TextChoices):
        RECEIPT = "receipt", _("received from a maker")
        SALE = "sale", _("sold")
        RETURN = "return", _("returned")
        TRANSFER_OUT = "transfer_out", _("sent to another location")
        TRANSFER_IN = "transfer_in", _("received from another location")
        ADJUSTMENT = "adjustment", _("stock count adjustment")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="moves")
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="moves", null=True, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="moves")
    quantity = models.IntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reference = models.CharField(max_length=80, blank=True)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="moves", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="move_is_not_zero"),
            models.CheckConstraint(
                condition=Q(piece__isnull=True) | Q(quantity__in=[1, -1]), name="piece_moves_one_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.quantity:+d} {self.sku_id} @ {self.location_id}"
