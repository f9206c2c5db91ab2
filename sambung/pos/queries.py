"""Read-only views for the stall and the rights page: what a stall may sell, a day's sales, who holds what."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from sambung.catalog.models import Cooperative, Location, Node, Photo
from sambung.inventory.models import Channel, Position, StockLevel
from sambung.orders.cart import PricedLine
from sambung.pos.models import PaymentMethod, StallSale
from sambung.quality.models import PASSING, Inspection, Outcome


def this_hub(cooperative: Cooperative) -> Node | None:
    """The hub this Sambung runs on when it is one of the cooperative's (after enrolment); None at the centre."""
    try:
        from sambung.sync.node import this_node
    except ImportError:  # before hub sync is installed, every Sambung is the centre
        return None
    node = this_node()
    if node is not None and node.kind == Node.Kind.HUB and node.cooperative_id == cooperative.pk:
        return node
    return None


def stalls(cooperative: Cooperative) -> list[Channel]:
    """The market stalls this Sambung sells from: on a hub its own; at the centre every hub's."""
    channels = Channel.objects.filter(cooperative=cooperative, kind=Channel.Kind.STALL).select_related(
        "node", "cooperative"
    )
    hub = this_hub(cooperative)
    if hub is not None:
        channels = channels.filter(node=hub)
    return list(channels.order_by("name"))


@dataclass
class StallItem:
    """One thing on the stall's table: a piece, or the units of a SKU at one location."""

    level: StockLevel
    photo: Photo | None
    grade: str  # the latest passed inspection's outcome: a, b, or '' when none is known

    @property
    def sku(self):
        return self.level.sku

    @property
    def piece(self):
        return self.level.piece

    @property
    def quantity(self) -> int:
        return self.level.quantity

    @property
    def title(self) -> str:
        return PricedLine(self.level.sku, self.level.piece, 1).title

    @property
    def grade_label(self) -> str:
        return Outcome(self.grade).label if self.grade else ""


def stall_levels(channel: Channel):
    """The stall channel's available slots at its hub's locations (with quantity 0 too: just sold)."""
    return StockLevel.objects.filter(
        channel=channel, position=Position.AVAILABLE, location__node_id=channel.node_id
    ).select_related("sku__product__cooperative", "piece__maker", "piece__sku", "location")


def stall_items(channel: Channel) -> list[StallItem]:
    """What the stall may sell now, pieces and counted units, with a thumbnail and the inspection grade."""
    piece_grade = (
        Inspection.objects.filter(piece=OuterRef("piece")).order_by("-created_at").values("outcome")[:1]
    )
    batch_grade = (
        Inspection.objects.filter(
            sku=OuterRef("sku"), location=OuterRef("location"), piece__isnull=True, outcome__in=PASSING
        )
        .order_by("-created_at")
        .values("outcome")[:1]
    )
    levels = list(
        stall_levels(channel)
        .filter(quantity__gt=0)
        .annotate(piece_grade=Subquery(piece_grade), batch_grade=Subquery(batch_grade))
        .order_by("sku__product__title_id", "sku__code", "piece__code", "location__name")
    )
    piece_photos = _first_photos(
        Photo.objects.filter(piece_id__in={lv.piece_id for lv in levels if lv.piece_id}, has_files=True),
        "piece_id",
    )
    product_photos = _first_photos(
        Photo.objects.filter(product_id__in={lv.sku.product_id for lv in levels}, has_files=True),
        "product_id",
    )
    items = []
    for level in levels:
        photo = piece_photos.get(level.piece_id) or product_photos.get(level.sku.product_id)
        grade = level.piece_grade if level.piece_id else level.batch_grade
        items.append(StallItem(level, photo, grade if grade in PASSING else ""))
    return items


def _first_photos(photos, key: str) -> dict:
    first: dict = {}
    for photo in photos.order_by("position", "created_at"):
        first.setdefault(getattr(photo, key), photo)
    return first


# -- A day's sales ---------------------------------------------------------------------------------------


@dataclass
class DaySales:
    day: datetime.date
    sales: list[StallSale]
    by_method: dict[str, int] = field(default_factory=dict)  # payment method → Rupiah

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    @property
    def cash(self) -> int:
        """The cash the stall hands over at the end of the day."""
        return self.by_method.get(PaymentMethod.CASH, 0)

    @property
    def qris(self) -> int:
        return self.by_method.get(PaymentMethod.QRIS, 0)


def day_sales(
    cooperative: Cooperative, day: datetime.date, channels: list[Channel] | None = None
) -> DaySales:
    """The sales of the stalls (default: all the cooperative's) on one local day (WITA), newest first, with totals
    by payment method."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    sales = StallSale.objects.filter(cooperative=cooperative, sold_at__gte=start, sold_at__lt=end)
    if channels is not None:
        sales = sales.filter(channel__in=channels)
    sales = list(
        sales.select_related("channel", "sold_by").prefetch_related("lines").order_by("-sold_at", "-id")
    )
    by_method: dict[str, int] = defaultdict(int)
    for sale in sales:
        by_method[sale.payment_method] += sale.total
    return DaySales(day, sales, dict(by_method))


# -- Who may sell what ------------------------------------------------------------------------------------


@dataclass
class Holding:
    """What one channel may sell at one location."""

    channel: Channel
    pieces: list[StockLevel] = field(default_factory=list)
    units: list[StockLevel] = field(default_factory=list)  # counted SKUs

    @property
    def total(self) -> int:
        return len(self.pieces) + sum(level.quantity for level in self.units)


@dataclass
class LocationRights:
    location: Location
    holdings: list[Holding]


def rights_by_location(cooperative: Cooperative) -> list[LocationRights]:
    """Per location, each channel holding available units there and what it holds; stalls with nothing too."""
    channels = list(
        Channel.objects.filter(cooperative=cooperative).select_related("node").order_by("kind", "name")
    )
    levels = (
        StockLevel.objects.filter(
            sku__product__cooperative=cooperative, position=Position.AVAILABLE, quantity__gt=0
        )
        .select_related("sku__product", "piece", "location", "channel")
        .order_by("sku__product__title_id", "piece__code")
    )
    by_location: dict = defaultdict(dict)
    locations = {}
    for level in levels:
        locations[level.location_id] = level.location
        holding = by_location[level.location_id].setdefault(level.channel_id, Holding(level.channel))
        (holding.pieces if level.piece_id else holding.units).append(level)
    for location in Location.objects.filter(
        cooperative=cooperative, node__channels__kind=Channel.Kind.STALL
    ).distinct():
        locations.setdefault(location.pk, location)
    rows = []
    for location in sorted(locations.values(), key=lambda loc: loc.name):
        holdings = by_location[location.pk]
        for channel in channels:
            # A hub's stall shows at its own locations even when it holds nothing yet.
            if channel.kind == Channel.Kind.STALL and channel.node_id == location.node_id:
                holdings.setdefault(channel.pk, Holding(channel))
        order = {channel.pk: index for index, channel in enumerate(channels)}
        rows.append(LocationRights(location, sorted(holdings.values(), key=lambda h: order[h.channel.pk])))
    return rows
