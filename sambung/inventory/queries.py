"""Read-only views of stock: per SKU and location, the quantities in each position and who may sell them."""

from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum

from sambung.catalog.models import SKU, Location
from sambung.inventory.models import Position, StockLevel


@dataclass
class StockRow:
    sku: SKU
    location: Location
    available: dict[str, int] = field(default_factory=dict)  # channel name → units it may sell
    reserved: int = 0
    committed: int = 0
    quality_control: int = 0
    incoming: int = 0  # pledged production not yet received: none recorded before production planning

    @property
    def available_total(self) -> int:
        return sum(self.available.values())

    @property
    def on_hand(self) -> int:
        return self.available_total + self.reserved + self.committed + self.quality_control


def stock_rows(skus: QuerySet[SKU]) -> list[StockRow]:
    """Return one row per SKU and location that has ever held stock, ordered by SKU code and location."""
    levels = (
        StockLevel.objects.filter(sku__in=skus)
        .values("sku", "location", "position", "channel__name")
        .annotate(quantity=Sum("quantity"))
    )
    skus_by_id = {sku.pk: sku for sku in skus}
    locations = {
        loc.pk: loc for loc in Location.objects.filter(pk__in={level["location"] for level in levels})
    }
    rows: dict[tuple, StockRow] = {}
    for level in levels:
        key = (level["sku"], level["location"])
        row = rows.setdefault(
            key, StockRow(sku=skus_by_id[level["sku"]], location=locations[level["location"]])
        )
        position, quantity = level["position"], level["quantity"]
        if position == Position.AVAILABLE:
            row.available[level["channel__name"]] = row.available.get(level["channel__name"], 0) + quantity
        elif position == Position.RESERVED:
            row.reserved += quantity
        elif position == Position.COMMITTED:
            row.committed += quantity
        else:
            row.quality_control += quantity
    return sorted(rows.values(), key=lambda row: (row.sku.code, row.location.name))
