"""What buyers tell the cooperative after an order — reviews and complaints — and what Sambung measures of the
catalogue's own photos for listing quality.

Reviews and complaints hang on an order line, so each one leads to the piece, its maker and (with the quality
app) its inspection.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import Cooperative, Photo, Product
from sambung.lib.ids import uuid7
from sambung.orders.models import OrderLine

MAX_TEXT = 2000  # characters of a review or a complaint
MAX_NOTE = 2000  # characters of a moderation reason or a note to the buyer


class BuyerPhoto(models.Model):
    """A photo sent by a buyer: the upload kept as sent (never served), WebP renditions to show."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # The original may carry the phone's location in its EXIF data: it is kept off the public media path.
    original = models.FileField(upload_to="feedback/original/")
    thumb = models.FileField(upload_to="photos/thumb/")
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()
    detail = models.FileField(upload_to="photos/detail/")
    detail_width = models.PositiveIntegerField()
    detail_height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original.name


class Review(models.Model):
    """A buyer's stars and words about one delivered order line; shown on the product page once approved."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        APPROVED = "approved", _("published")
        REJECTED = "rejected", _("not published")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # One review per line, enforced by the database: a double submit cannot write a second one.
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="review")
    # Copies of the line's product and the order's cooperative, for the product page and the moderation queue.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reviews")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="reviews")
    stars = models.PositiveSmallIntegerField(_("stars"))
    text = models.TextField(_("review"), blank=True)
    photo = models.OneToOneField(
        BuyerPhoto, on_delete=models.PROTECT, null=True, blank=True, related_name="review"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["product", "status", "created_at"]),
            models.Index(fields=["cooperative", "status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="review_stars_1_to_5"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MAX_TEXT), name="review_text_length"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(moderation_note=""), name="rejected_review_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.order_line_id}"


class ComplaintReason(models.TextChoices):
    NOT_AS_DESCRIBED = "not_as_described", _("not as described")
    DEFECT = "defect", _("defect")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("damaged in transit")
    LATE = "late", _("late")
    WRONG_ITEM = "wrong_item", _("wrong item")


class Complaint(models.Model):
    """A buyer's problem with one order line, until the cooperative resolves it; each step is a ComplaintEvent."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        REFUNDED = "refunded", _("refunded")
        REPLACED = "replaced", _("replacement")
        REFUSED = "refused", _("refused")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="complaints")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="complaints")
    reason = models.CharField(_("what went wrong"), max_length=20, choices=ComplaintReason.choices)
    text = models.TextField(_("what happened"))
    photo = models.OneToOneField(
        BuyerPhoto, on_delete=models.PROTECT, null=True, blank=True, related_name="complaint"
    )
    # Status caches the latest resolving event, changed by one guarded UPDATE (WHERE status = 'open').
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    refund_amount = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["cooperative", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line"], condition=Q(status="open"), name="one_open_complaint_per_line"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MAX_TEXT), name="complaint_text_length"
            ),
            models.CheckConstraint(
                condition=(Q(status="refunded") & Q(refund_amount__gt=0))
                | (~Q(status="refunded") & Q(refund_amount__isnull=True)),
                name="refund_has_an_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.order_line_id}"


class ComplaintEvent(models.Model):
    """One step of a complaint: who (a staff member, or the buyer when empty), when and what."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("complaint opened")
        NOTE = "note", _("message from the cooperative")
        REFUNDED = "refunded", _("refund")
        REPLACED = "replaced", _("replacement")
        REFUSED = "refused", _("refused")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.BigIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class PhotoCheck(models.Model):
    """What listing quality measured of a catalogue photo. Measured once: a photo's files never change."""

    photo = models.OneToOneField(
        Photo, on_delete=models.CASCADE, primary_key=True, related_name="listing_check"
    )
    long_side = models.PositiveIntegerField()  # of the original upload, in pixels
    sharpness = models.FloatField()  # variance of the Laplacian of the grey detail rendition
    brightness = models.FloatField()  # mean grey level, 0–255
    shadows_clipped = models.FloatField()  # share of pixels at black, 0–1
    highlights_clipped = models.FloatField()  # share of pixels at white, 0–1
    measured_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.photo_id)
