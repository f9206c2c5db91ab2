"""Sales at a hub's market stall: what was sold, for how much, paid how. Written only by pos.sales.

A stall sale takes its units straight out of stock from the stall channel's `available` slots (the buyer walks
away with them), one ledger move per line; the line keeps the move it made.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import SKU, Cooperative, Location, Piece
from sambung.inventory.models import Channel, StockMove
from sambung.lib.ids import uuid7

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read aloud without mistakes
CODE_LENGTH = 8


def sale_code(sale_id) -> str:
    """Return the receipt number printed for a sale: PS- and 8 characters drawn from the id's random bits."""
    # The low 62 bits of a UUIDv7 are random, so the code needs no column and no draw: every node that holds
    # the sale prints the same number.
    number = sale_id.int & ((1 << 62) - 1)
    chars = []
    for _position in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "PS-" + "".join(chars)


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("cash")
    QRIS = "qris", _("QRIS")


class StallSale(models.Model):
    """One buyer at the stall: the id comes from the sale form, so submitting it twice records one sale."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="stall_sales")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="stall_sales")
    payment_method = models.CharField(_("payment"), max_length=10, choices=PaymentMethod.choices)
    total = models.BigIntegerField(_("total (Rp)"))
    cash_received = models.BigIntegerField(_("cash received (Rp)"), null=True, blank=True)
    qris_payload = models.TextField(blank=True)  # the dynamic QRIS code the buyer scanned
    buyer_phone = models.CharField(_("buyer's WhatsApp"), max_length=20, blank=True)  # E.164
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sold_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sold_at"]
        indexes = [
            models.Index(fields=["channel", "sold_at"]),
            models.Index(fields=["cooperative", "sold_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="stall_sale_total_positive"),
            models.CheckConstraint(
                condition=Q(payment_method="cash", cash_received__gte=F("total"))
                | Q(payment_method="qris", cash_received__isnull=True),
                name="stall_sale_cash_covers_total",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return sale_code(self.id)

    @property
    def change(self) -> int:
        return (self.cash_received or 0) - self.total if self.payment_method == PaymentMethod.CASH else 0


class StallSaleLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    sale = models.ForeignKey(StallSale, on_delete=models.PROTECT, related_name="lines")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=240)
    quantity = models.PositiveIntegerField()
    unit_price = models.BigIntegerField()
    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="stall_sale_line")

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stall_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="stall_line_price_positive"),
            models.CheckConstraint(
                condition=Q(piece__isnull=True) | Q(quantity=1), name="stall_line_piece_is_one_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self) -> int:
        return self.quantity * self.unit_price
