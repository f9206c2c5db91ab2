"""Read-only queries: reviews for the product page, feedback on the buyer's order page, the back-office lists."""

from dataclasses import dataclass

from django.db.models import Avg, Count, Prefetch, QuerySet

from sambung.catalog.models import Cooperative, Product
from sambung.feedback.complaints import OPEN_FOR_LATE
from sambung.feedback.models import Complaint, ComplaintEvent, Review
from sambung.orders.models import Order, OrderLine, OrderStatus
from sambung.quality.models import PASSING, Inspection

PRODUCT_PAGE_REVIEWS = 10  # the newest; the page stays within its 30 KB budget


@dataclass(frozen=True)
class ProductReviews:
    count: int
    average: float | None  # stars, one decimal
    latest: list[Review]

    @property
    def rounded_stars(self) -> int:
        return round(self.average or 0)


def product_reviews(product: Product, *, limit: int = PRODUCT_PAGE_REVIEWS) -> ProductReviews:
    """Approved reviews of a product: how many, their average, and the newest with their piece and maker."""
    approved = Review.objects.filter(product=product, status=Review.Status.APPROVED)
    summary = approved.aggregate(count=Count("pk"), average=Avg("stars"))
    if not summary["count"]:
        return ProductReviews(0, None, [])
    latest = approved.select_related("photo", "order_line__order", "order_line__piece__maker").order_by(
        "-created_at"
    )[:limit]
    return ProductReviews(summary["count"], round(summary["average"], 1), list(latest))


@dataclass(frozen=True)
class LineFeedback:
    line: OrderLine
    review: Review | None
    complaints: list[Complaint]  # newest first, each with its events
    can_review: bool
    can_complain: bool


def order_feedback(order: Order) -> list[LineFeedback]:
    """For each line of the buyer's order: her review, her complaints, and what she may still do; nothing for
    an order that is not paid (or was cancelled)."""
    if order.status not in OPEN_FOR_LATE:
        return []
    events = ComplaintEvent.objects.order_by("created_at", "id")
    complaints = Complaint.objects.prefetch_related(Prefetch("events", queryset=events))
    lines = order.lines.select_related("review__photo").prefetch_related(
        Prefetch("complaints", queryset=complaints.order_by("-created_at"))
    )
    result = []
    for line in lines.order_by("pk"):
        review = getattr(line, "review", None)
        line_complaints = list(line.complaints.all())
        has_open = any(c.status == Complaint.Status.OPEN for c in line_complaints)
        result.append(
            LineFeedback(
                line=line,
                review=review,
                complaints=line_complaints,
                can_review=order.status == OrderStatus.DELIVERED and review is None,
                can_complain=order.status in OPEN_FOR_LATE and not has_open,
            )
        )
    return result


def reviews_of(cooperative: Cooperative, status: str) -> QuerySet[Review]:
    """The cooperative's reviews in one status, oldest first when waiting (a queue), newest first otherwise."""
    reviews = Review.objects.filter(cooperative=cooperative, status=status).select_related(
        "photo", "product", "order_line__order", "order_line__piece__maker", "moderated_by"
    )
    return reviews.order_by("created_at" if status == Review.Status.PENDING else "-created_at")


def complaints_of(cooperative: Cooperative, status: str = "") -> QuerySet[Complaint]:
    """The cooperative's complaints (in one status, if given): open ones oldest first, the rest newest first."""
    complaints = Complaint.objects.filter(cooperative=cooperative).select_related(
        "order_line__order", "order_line__piece__maker"
    )
    if status:
        complaints = complaints.filter(status=status)
    return complaints.order_by("created_at" if status == Complaint.Status.OPEN else "-created_at")


def inspection_of(line: OrderLine) -> Inspection | None:
    """The passed inspection that put the line's goods on sale: the piece's last one before the order; for counted
    goods, the SKU's last one at the line's location (units of a batch are not told apart)."""
    passed = Inspection.objects.filter(
        outcome__in=PASSING, created_at__lte=line.order.created_at
    ).select_related("inspector")
    if line.piece_id:
        passed = passed.filter(piece_id=line.piece_id)
    else:
        passed = passed.filter(sku_id=line.sku_id, location_id=line.location_id, piece__isnull=True)
    return passed.order_by("-created_at").first()
