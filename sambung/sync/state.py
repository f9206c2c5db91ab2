"""A canonical digest of the replicated state, the same on two nodes that hold the same events."""

import hashlib
import json

from django.apps import apps
from django.db.models import Q

from sambung.production import replication as production
from sambung.sync.models import Event
from sambung.sync.rows import serialize_row

# model → the path from it to its cooperative (None: shared by all, e.g. categories)
REPLICATED = {
    "catalog.cooperative": "pk",
    "catalog.category": None,
    "catalog.node": "cooperative",
    "catalog.location": "cooperative",
    "inventory.channel": "cooperative",
    "catalog.maker": "cooperative",
    "catalog.product": "cooperative",
    "catalog.sku": "product__cooperative",
    "catalog.piece": "sku__product__cooperative",
    "quality.standard": "cooperative",
    "quality.standardversion": "standard__cooperative",
    "quality.inspection": "cooperative",
    "orders.shippingrate": "cooperative",
    "orders.order": "cooperative",
    "orders.orderline": "order__cooperative",
    "orders.orderevent": "order__cooperative",
    "inventory.stockmove": "location__cooperative",
    **production.REPLICATED,
}
# Columns that are this node's own business: who typed a move in (users are per node), derived search text.
LOCAL_COLUMNS = {
    "inventory.stockmove": frozenset({"created_by_id"}),
    "catalog.product": frozenset({"search_text"}),
    **production.LOCAL_COLUMNS,  # per-node integer ids of rows matched by natural key
}


def _digest(rows: list) -> str:
    return hashlib.sha256(
        json.dumps(rows, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def replicated_state(*, cooperative_slug: str | None = None, full: bool = False) -> dict:
    """Return {"digest", "models": {label: {count, sha256}}, "stock": …, "events": …}; `full` adds the rows."""
    from sambung.catalog.models import Cooperative
    from sambung.inventory.models import StockLevel

    cooperative = Cooperative.objects.get(slug=cooperative_slug) if cooperative_slug else None
    state: dict = {"models": {}}
    for label, path in REPLICATED.items():
        model = apps.get_model(label)
        rows = model._default_manager.all()
        if cooperative is not None and path is not None:
            rows = rows.filter(**{path: cooperative.pk})
        if label == "catalog.node" and cooperative is not None:
            rows = model._default_manager.filter(Q(cooperative=cooperative) | Q(kind="centre"))
        skip = LOCAL_COLUMNS.get(label, frozenset())
        plain = [serialize_row(row, skip=skip)["f"] for row in rows.order_by("pk")]
        if "id" in skip:  # no shared id to order by: order by content
            plain.sort(key=lambda row: json.dumps(row, sort_keys=True, default=str))
        state["models"][label] = {"count": len(plain), "sha256": _digest(plain)}
        if full:
            state["models"][label]["rows"] = plain
    levels = StockLevel.objects.exclude(quantity=0)
    if cooperative is not None:
        levels = levels.filter(location__cooperative=cooperative)
    stock = sorted(
        [str(s), str(p), str(loc), str(c), pos, q]
        for s, p, loc, c, pos, q in levels.values_list(
            "sku", "piece", "location", "channel", "position", "quantity"
        )
    )
    state["stock"] = {"levels": len(stock), "units": sum(row[-1] for row in stock), "sha256": _digest(stock)}
    if full:
        state["stock"]["rows"] = stock
    events = Event.objects.all()
    if cooperative is not None:
        events = events.filter(Q(cooperative=cooperative) | Q(cooperative__isnull=True))
    ids = sorted(str(pk) for pk in events.values_list("pk", flat=True))
    state["events"] = {"count": len(ids), "sha256": _digest(ids)}
    state["digest"] = _digest(
        [state["models"][label]["sha256"] for label in REPLICATED]
        + [state["stock"]["sha256"], state["events"]["sha256"]]
    )
    return state
