"""The stock ledger: append-only moves between positions, and a cached level per position that is never negative.

A unit of a SKU (or one piece) at a location stands in one position:

- quality control: received, not yet released for sale (no channel may sell it);
- available: sellable by exactly one channel — the web store, a hub's market stall, a marketplace;
- reserved: held for a buyer's checkout, for a short time;
- committed: sold on an order, not yet shipped.

A move takes a quantity from one position (none = it enters stock) to another (none = it leaves stock).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import SKU, Cooperative, Location, Node, Piece
from sambung.lib.ids import uuid7


class Channel(models.Model):
    """Who holds the right to sell a unit: one holder per unit at a time (DESIGN.md §3, escrow)."""

    class Kind(models.TextChoices):
        WEB = "web", _("web store")
        STALL = "stall", _("hub market stall")
        MARKETPLACE = "marketplace", _("marketplace")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="channels")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="channels")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="channel_name_unique"),
            models.UniqueConstraint(
                fields=["cooperative"], condition=Q(kind="web"), name="one_web_store_per_cooperative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Position(models.TextChoices):
    QUALITY_CONTROL = "qc", _("quality control")
    AVAILABLE = "available", _("available")
    RESERVED = "reserved", _("reserved")
    COMMITTED = "committed", _("committed")


# A unit in quality control belongs to no channel; in every other position, to exactly one.
CHANNEL_MATCHES_POSITION = Q(position="qc", channel__isnull=True) | (
    ~Q(position="qc") & Q(channel__isnull=False)
)


class StockLevel(models.Model):
    """Σ moves into and out of one position; written only by inventory.ledger."""

    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="stock_levels")
    piece = models.ForeignKey(
        Piece, on_delete=models.PROTECT, related_name="stock_levels", null=True, blank=True
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="stock_levels", null=True)
    position = models.CharField(max_length=10, choices=Position.choices)
    quantity = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="level_never_negative"),
            models.CheckConstraint(condition=CHANNEL_MATCHES_POSITION, name="level_channel_matches_position"),
            # NULL never equals NULL in a unique index, so counted stock and pieces get one constraint each.
            models.UniqueConstraint(
                fields=["sku", "location", "channel", "position"],
                condition=Q(piece__isnull=True, channel__isnull=False),
                name="one_level_per_sku_position",
            ),
            models.UniqueConstraint(
                fields=["sku", "location", "position"],
                condition=Q(piece__isnull=True, channel__isnull=True),
                name="one_qc_level_per_sku",
            ),
            models.UniqueConstraint(
                fields=["piece", "location", "channel", "position"],
                condition=Q(piece__isnull=False, channel__isnull=False),
                name="one_level_per_piece_position",
            ),
            models.UniqueConstraint(
                fields=["piece", "location", "position"],
                condition=Q(piece__isnull=False, channel__isnull=True),
                name="one_qc_level_per_piece",
            ),
        ]
        indexes = [models.Index(fields=["sku", "position"])]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.position} @ {self.location_id}: {self.quantity}"


class StockMove(models.Model):
    class Reason(models.TextChoices):
        RECEIPT = "receipt", _("received from a maker")
        RELEASE = "release", _("released for sale")
        HOLD = "hold", _("held for a checkout")
        RELEASE_HOLD = "release_hold", _("checkout hold released")
        SALE = "sale", _("sold")
        CANCEL = "cancel", _("order cancelled")
        SHIPMENT = "shipment", _("shipped")
        RETURN = "return", _("returned by a buyer")
        RIGHTS = "rights", _("selling rights moved")
        TRANSFER_OUT = "transfer_out", _("sent to another location")
        TRANSFER_IN = "transfer_in", _("received from another location")
        ADJUSTMENT = "adjustment", _("stock count adjustment")
        # Units an inspection rejected leave quality control one of two ways (quality.rejections):
        WRITE_OFF = "write_off", _("written off: unsellable")
        RETURN_TO_MAKER = "return_to_maker", _("returned to the maker for rework")
        REWORK_RECEIPT = "rework_receipt", _("received back from the maker after rework")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="moves")
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="moves", null=True, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="moves")
    quantity = models.PositiveIntegerField()
    source_position = models.CharField(max_length=10, choices=Position.choices, blank=True)
    source_channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    target_position = models.CharField(max_length=10, choices=Position.choices, blank=True)
    target_channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reference = models.CharField(max_length=80, blank=True)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="moves", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="move_is_not_zero"),
            models.CheckConstraint(
                condition=~Q(source_position="", target_position=""), name="move_has_a_source_or_a_target"
            ),
            models.CheckConstraint(
                condition=Q(piece__isnull=True) | Q(quantity=1), name="piece_moves_one_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.quantity} {self.source_position or '∅'}→{self.target_position or '∅'}"
