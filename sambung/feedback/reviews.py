"""The only writer of reviews: a buyer reviews a delivered order line once; a manager approves or rejects it.

Who the buyer is, the view decides (the browser proved the order's code and WhatsApp number); these functions
check everything else and record nothing when something is wrong.
"""

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.feedback.models import MAX_NOTE, Review
from sambung.feedback.submissions import FeedbackError, check_photo, check_text, save_with_photo
from sambung.orders.models import Order, OrderLine, OrderStatus


def review_refusal(line: OrderLine) -> str:
    """Return why this line cannot be reviewed now, or '' if it can."""
    status = Order.objects.filter(pk=line.order_id).values_list("status", flat=True).first()
    if status != OrderStatus.DELIVERED:
        return _("You can review an item once the order has been delivered.")
    if Review.objects.filter(order_line=line).exists():
        return _("You have already reviewed this item. Thank you!")
    return ""


def write_review(*, line: OrderLine, stars: int, text: str = "", photo: bytes | None = None) -> Review:
    """Record the buyer's review of a delivered order line, waiting for moderation."""
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise FeedbackError(_("Give from 1 to 5 stars."))
    text = check_text(text)
    refusal = review_refusal(line)
    if refusal:
        raise FeedbackError(refusal)
    prepared = check_photo(photo)  # the slow part last: nothing is decoded for a refused review
    order = Order.objects.only("cooperative_id").get(pk=line.order_id)

    def create(buyer_photo) -> Review:
        return Review.objects.create(
            order_line=line,
            product_id=line.sku.product_id,
            cooperative_id=order.cooperative_id,
            stars=stars,
            text=text,
            photo=buyer_photo,
        )

    try:
        return save_with_photo(prepared, create)
    except IntegrityError:
        # The same line reviewed twice at once (a double tap): the database kept the first.
        if Review.objects.filter(order_line=line).exists():
            raise FeedbackError(_("You have already reviewed this item. Thank you!")) from None
        raise


def moderate_review(*, review: Review, user, approve: bool, reason: str = "") -> Review:
    """Publish a waiting review, or keep it off the product page with a reason the buyer can read."""
    reason = reason.strip()
    if not approve and not reason:
        raise FeedbackError(_("Say why the review is not published; the buyer sees the reason."))
    if len(reason) > MAX_NOTE:
        raise FeedbackError(_("Keep the reason within %(limit)s characters.") % {"limit": MAX_NOTE})
    status = Review.Status.APPROVED if approve else Review.Status.REJECTED
    now = timezone.now()
    # Guarded: of two managers deciding at once, one wins and the other is told.
    changed = Review.objects.filter(pk=review.pk, status=Review.Status.PENDING).update(
        status=status, moderated_by=user, moderated_at=now, moderation_note=reason
    )
    if not changed:
        raise FeedbackError(_("This review has already been moderated; reload the page."))
    review.status, review.moderated_by, review.moderated_at, review.moderation_note = (
        status,
        user,
        now,
        reason,
    )
    return review
