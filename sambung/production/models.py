"""Production: makers' capacity and calendars, work orders with their stages and events, promises of work to
order lines, the waitlist, messages to send, and payouts to makers.

A maker's time is one resource: her work orders are planned one after another on the days her calendar leaves
free, each taking as many days as her capacity for its product type says (sambung.production.schedule).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker, Piece, Product, localized
from sambung.lib.ids import uuid7
from sambung.lib.money import MAX_PRICE

MAX_PIECES_PER_30_DAYS = 100  # more than a hundred handmade pieces a month from one maker is a typing mistake
MAX_CAPACITY_DAYS = 366
MAX_WORK_ORDER_PIECES = 100


class Capacity(models.Model):
    """How many pieces of a product type a maker makes in how many days (1 sarong in 30, 1 selendang in 14)."""

    maker = models.ForeignKey(Maker, on_delete=models.CASCADE, related_name="capacities")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    pieces = models.PositiveSmallIntegerField(_("pieces"))
    days = models.PositiveSmallIntegerField(_("in days"), default=30)
    rate_per_piece = models.BigIntegerField(
        _("paid per piece (Rp)"), default=0, help_text=_("What the cooperative pays her for each piece.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__position", "category__slug"]
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")
        constraints = [
            models.UniqueConstraint(fields=["maker", "category"], name="one_capacity_per_maker_category"),
            models.CheckConstraint(condition=Q(pieces__gte=1), name="capacity_at_least_one_piece"),
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=MAX_CAPACITY_DAYS), name="capacity_days_in_range"
            ),
            # pieces / days ≤ 100 / 30, without a division.
            models.CheckConstraint(
                condition=GreaterThanOrEqual(F("days") * MAX_PIECES_PER_30_DAYS, F("pieces") * 30),
                name="capacity_not_absurd",
            ),
            models.CheckConstraint(
                condition=Q(rate_per_piece__gte=0, rate_per_piece__lte=MAX_PRICE),
                name="capacity_rate_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.maker}: {self.pieces}/{self.days}d {self.category}"


class Unavailability(models.Model):
    """Days a maker does not weave: planting season, a ceremony, a journey. Both ends included."""

    maker = models.ForeignKey(Maker, on_delete=models.CASCADE, related_name="unavailabilities")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=120, help_text=_("e.g. planting season, a ceremony"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("unavailable period")
        verbose_name_plural = _("unavailable periods")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="unavailability_in_order")
        ]

    def __str__(self) -> str:
        return f"{self.maker}: {self.starts_on}–{self.ends_on} {self.reason}"


class Stage(models.Model):
    """One step of making a product type in a cooperative, with its share of the work's days."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    name_id = models.CharField(_("stage (Indonesian)"), max_length=40)
    name_en = models.CharField(_("stage (English)"), max_length=40)
    share = models.PositiveSmallIntegerField(_("share of the days (%)"))

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "category", "position"], name="one_stage_per_position"
            ),
            models.CheckConstraint(condition=Q(share__gte=1, share__lte=100), name="stage_share_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.position} {self.name_id}"


class WorkOrderStatus(models.TextChoices):
    PLEDGED = "pledged", _("pledged")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


OPEN_STATUSES = (WorkOrderStatus.PLEDGED, WorkOrderStatus.IN_PROGRESS)


class WorkOrder(models.Model):
    """A maker's pledge to make N pieces of a SKU, for stock or for one order line; its dates come from her
    capacity and calendar when pledged and never move afterwards (promises were made on them)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    code = models.CharField(_("code"), max_length=16, unique=True)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="work_orders")
    maker = models.ForeignKey(Maker, on_delete=models.PROTECT, related_name="work_orders")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="work_orders")
    quantity = models.PositiveSmallIntegerField(_("pieces"))
    rate_per_piece = models.BigIntegerField(_("paid per piece (Rp)"), default=0)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("delivered to")
    )
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="work_orders", null=True, blank=True
    )
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("planned finish"))
    work_days = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=WorkOrderStatus.choices, default=WorkOrderStatus.PLEDGED)
    completed_on = models.DateField(_("finished on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "code"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [models.Index(fields=["maker", "status"]), models.Index(fields=["sku", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_WORK_ORDER_PIECES), name="work_order_quantity"
            ),
            models.CheckConstraint(condition=Q(due_on__gte=F("starts_on")), name="work_order_dates_in_order"),
            models.CheckConstraint(
                condition=Q(rate_per_piece__gte=0, rate_per_piece__lte=MAX_PRICE), name="work_order_rate"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="completed_work_order_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def delay_days(self) -> int | None:
        """Days finished after (positive) or before (negative) the planned finish."""
        if self.completed_on is None:
            return None
        return (self.completed_on - self.due_on).days


class WorkOrderStage(models.Model):
    """A stage of one work order with the date it is expected to be done, fixed when pledged."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    name_id = models.CharField(max_length=40)
    name_en = models.CharField(max_length=40)
    expected_on = models.DateField(_("expected by"))

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "position"], name="one_work_order_stage_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.position} {self.name_id}"

    @property
    def name(self) -> str:
        return localized(self, "name")


class WorkOrderEvent(models.Model):
    """Everything that happens to a work order, appended and never changed; WorkOrder.status caches the latest."""

    class Kind(models.TextChoices):
        PLEDGED = "pledged", _("pledged")
        STAGE_DONE = "stage_done", _("stage done")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")
        RELEASED = "released", _("released from its order")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    happened_on = models.DateField(_("on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "stage"], condition=Q(kind="stage_done"), name="stage_done_once"
            ),
            models.UniqueConstraint(
                fields=["work_order"], condition=Q(kind__in=["completed", "cancelled"]), name="closed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.kind} {self.happened_on}"


class DeliveredPiece(models.Model):
    """A piece a work order delivered: what the maker is owed for."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="delivered")
    piece = models.OneToOneField(Piece, on_delete=models.PROTECT, related_name="work_order_link")

    def __str__(self) -> str:
        return f"{self.work_order_id} → {self.piece_id}"


class Allocation(models.Model):
    """Pieces of a work order promised to an order line sold made to order."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="allocations")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="allocation_quantity")]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.work_order_id} → line {self.order_line_id}"


class WaitlistEntry(models.Model):
    """A buyer who asked to be told when a product can be bought; one open entry per product and contact."""

    class Contact(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("e-mail")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="waitlist")
    contact_kind = models.CharField(max_length=10, choices=Contact.choices)
    contact = models.CharField(max_length=254)  # E.164 phone or lower-cased e-mail
    language = models.CharField(max_length=8, default="id")
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "contact"], condition=Q(notified_at__isnull=True), name="one_waiting_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ← {self.contact_kind}"


class OutboundMessage(models.Model):
    """A message to a buyer: e-mails are sent after commit; WhatsApp messages wait here for a person or gateway."""

    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("e-mail")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    waitlist_entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}"


class Payout(models.Model):
    """Money the cooperative paid a maker, recorded by the manager; never more than she is owed."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    maker = models.ForeignKey(Maker, on_delete=models.PROTECT, related_name="payouts")
    amount = models.BigIntegerField(_("amount (Rp)"))
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=MAX_PRICE), name="payout_amount")
        ]

    def __str__(self) -> str:
        return f"{self.maker}: {self.amount} on {self.paid_on}"
