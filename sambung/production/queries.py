"""Read-only queries for production pages: what each member may see, and a maker's ledger."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import OuterRef, QuerySet, Subquery, Sum

from sambung.accounts.access import Can, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import Maker, Piece
from sambung.production.models import OPEN_STATUSES, DeliveredPiece, Payout, WorkOrder, WorkOrderStatus


def visible_work_orders(membership: Membership) -> QuerySet[WorkOrder]:
    """Work orders the member may see: all of the cooperative's, or, for a maker, her own only."""
    orders = WorkOrder.objects.filter(cooperative=membership.cooperative).select_related(
        "maker", "sku__product", "location"
    )
    if has_capability(membership, Can.VIEW_PRODUCTION):
        return orders
    if membership.maker_id:
        return orders.filter(maker_id=membership.maker_id)
    return orders.none()


def rejected_piece_ids(maker_ids: Iterable[uuid.UUID]) -> set[uuid.UUID] | None:
    """Return the ids of the makers' pieces whose latest inspection rejected them; None without the quality app."""
    if not apps.is_installed("sambung.quality"):
        return None
    Inspection = apps.get_model("quality", "Inspection")
    latest = Inspection.objects.filter(piece=OuterRef("pk")).order_by("-created_at").values("outcome")[:1]
    pieces = Piece.objects.filter(maker_id__in=list(maker_ids)).annotate(outcome=Subquery(latest))
    return set(pieces.filter(outcome="reject").values_list("pk", flat=True))


@dataclass
class Ledger:
    maker: Maker
    pledged: int = 0  # pieces in open work orders
    delivered: int = 0
    rejected: int | None = None  # None: the quality app records no inspections here
    owed: int = 0  # Rp, for delivered pieces not rejected
    paid: int = 0
    payouts: list[Payout] = field(default_factory=list)
    work_orders: list[WorkOrder] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return self.owed - self.paid


def owed_and_paid(maker: Maker) -> tuple[int, int]:
    """Return (Rp owed for delivered pieces not rejected, Rp paid) for one maker."""
    rejected = rejected_piece_ids([maker.pk]) or set()
    delivered = DeliveredPiece.objects.filter(work_order__maker=maker).exclude(piece_id__in=rejected)
    owed = delivered.aggregate(total=Sum("work_order__rate_per_piece"))["total"] or 0
    paid = Payout.objects.filter(maker=maker).aggregate(total=Sum("amount"))["total"] or 0
    return owed, paid


def maker_ledger(maker: Maker) -> Ledger:
    """Return what the maker pledged, delivered and had rejected, and what she is owed and was paid."""
    rejected = rejected_piece_ids([maker.pk])
    owed, paid = owed_and_paid(maker)
    work_orders = list(
        WorkOrder.objects.filter(maker=maker)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .select_related("sku__product")
        .order_by("-due_on")
    )
    return Ledger(
        maker=maker,
        pledged=sum(w.quantity for w in work_orders if w.status in OPEN_STATUSES),
        delivered=DeliveredPiece.objects.filter(work_order__maker=maker).count(),
        rejected=None
        if rejected is None
        else DeliveredPiece.objects.filter(work_order__maker=maker, piece_id__in=rejected).count(),
        owed=owed,
        paid=paid,
        payouts=list(Payout.objects.filter(maker=maker).select_related("recorded_by")),
        work_orders=work_orders,
    )
