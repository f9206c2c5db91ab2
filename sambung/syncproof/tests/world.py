"""A cooperative split over a centre and village hubs, driven through the real domain writers; and its checks.

Everything here runs inside one node's own process (its own SAMBUNG_DATA_DIR and SQLite file): the property and
fault tests of this package and bench/sync.py drive each node through `nodeworker` or a Django step. Actions
pick their target among what the node holds, from an integer the caller draws, so a run is reproducible.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum

from sambung.accounts.models import Membership, Role
from sambung.catalog.makers import save_maker
from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker, Node, Piece, Product
from sambung.catalog.pieces import save_piece
from sambung.catalog.products import save_product, save_sku
from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
from sambung.inventory.models import Channel, Position, StockLevel, StockMove
from sambung.inventory.stock import move_rights, receive_stock, web_store
from sambung.lib.ids import uuid7
from sambung.orders.models import Order, OrderLine, OrderStatus, ShippingRate

COOPERATIVE = "sinkron-uji"
VILLAGE = "53.07.03.2005"  # Desa Sikka, Kecamatan Lela
BUYER_VILLAGE = "53.07.04.2001"  # Desa Nita
MANAGER = "manajer-uji"
PASSWORD = "sinkron uji rahasia"  # noqa: S105 (throw-away nodes of a test or benchmark)


def operator_name(index: int) -> str:
    return f"operator-hub-{index}"


# ---- building the cooperative on the centre ---------------------------------------------------------------


def build_cooperative(*, hubs: int, ikat_products: int = 3, makers: int = 4) -> dict:
    """On the centre: a cooperative with a warehouse, woven pieces and counted coffee, a quality standard per
    category, a shipping rate, the people, and `hubs` hubs (a location and a stall each) with an enrolment code."""
    from sambung.sync.enrolment import create_hub, issue_code
    from sambung.tests.helpers import make_standard

    with transaction.atomic():
        centre = _centre_node()
        cooperative = Cooperative.objects.create(
            slug=COOPERATIVE, name="Koperasi Uji Sinkron", regency_code="53.07", village_code="53.07.05.1009"
        )
        warehouse = Location.objects.create(
            cooperative=cooperative,
            node=centre,
            kind=Location.Kind.WAREHOUSE,
            name="Gudang Maumere",
            village_code="53.07.05.1009",
        )
        web_store(cooperative)
        ikat = Category.objects.create(slug="ikat-uji", name_id="Tenun ikat", name_en="Ikat weaving")
        coffee = Category.objects.create(slug="kopi-uji", name_id="Kopi", name_en="Coffee")
        for number in range(1, makers + 1):
            save_maker(
                maker=Maker(
                    cooperative=cooperative, name=f"Penenun {number}", village_code=VILLAGE, shows_name=True
                )
            )
        for number in range(1, ikat_products + 1):
            product = save_product(
                product=Product(
                    cooperative=cooperative,
                    category=ikat,
                    slug=f"sarung-uji-{number}",
                    title_id=f"Sarung ikat uji {number}",
                    title_en=f"Test ikat sarong {number}",
                    village_code=VILLAGE,
                    is_published=True,
                    yarn=Product.Yarn.HANDSPUN,
                    dye=Product.Dye.NATURAL,
                    weight_g=600,
                )
            )
            save_sku(sku=SKU(product=product, code=f"UJI-{number}", price=900_000 + 50_000 * number))
        product = save_product(
            product=Product(
                cooperative=cooperative,
                category=coffee,
                slug="kopi-uji",
                title_id="Kopi arabika uji 250 g",
                title_en="Test arabica 250 g",
                village_code=VILLAGE,
                is_published=True,
                weight_g=250,
            )
        )
        save_sku(sku=SKU(product=product, code="KOPI-UJI", price=65_000, is_unique=False))
        ShippingRate.objects.create(
            cooperative=cooperative, courier="JNE REG", destination="53.07", first_kg=10_000, next_kg=8_000
        )
    make_standard(cooperative, ikat)
    make_standard(cooperative, coffee)
    add_people(hubs=hubs)
    hub_rows = []
    for index in range(1, hubs + 1):
        node = create_hub(cooperative=cooperative, name=f"Hub {index}", village_code=VILLAGE)
        hub_rows.append({"node": str(node.pk), "code": issue_code(node=node)})
    return {
        "cooperative": str(cooperative.pk),
        "centre": str(centre.pk),
        "warehouse": str(warehouse.pk),
        "hubs": hub_rows,
    }


def _centre_node() -> Node:
    from sambung.sync.node import this_node

    return this_node()


def add_people(*, hubs: int) -> None:
    """Create the manager and each hub's operator, with their roles, on this node (users do not replicate)."""
    cooperative = Cooperative.objects.get(slug=COOPERATIVE)
    users = get_user_model().objects
    for username, role in [(MANAGER, Role.MANAGER)] + [
        (operator_name(i), Role.HUB_OPERATOR) for i in range(1, hubs + 1)
    ]:
        user = users.filter(username=username).first() or users.create_user(
            username=username, password=PASSWORD
        )
        Membership.objects.get_or_create(user=user, cooperative=cooperative, defaults={"role": role})


# ---- what this node is ------------------------------------------------------------------------------------


@dataclass
class Place:
    """Where this node stands in the cooperative: its node, locations and selling channel."""

    node: Node
    cooperative: Cooperative
    locations: list[Location]
    channel: Channel  # the web store on the centre, the stall on a hub
    web: Channel
    hub_index: int  # 0 on the centre

    @property
    def is_centre(self) -> bool:
        return self.node.kind == Node.Kind.CENTRE

    @property
    def person(self):
        name = MANAGER if self.is_centre else operator_name(self.hub_index)
        return get_user_model().objects.get(username=name)

    @property
    def membership(self) -> Membership:
        return Membership.objects.get(user=self.person, cooperative=self.cooperative)


def here() -> Place:
    from sambung.sync.node import this_node

    node = this_node()
    cooperative = Cooperative.objects.get(slug=COOPERATIVE)
    web = Channel.objects.get(cooperative=cooperative, kind=Channel.Kind.WEB)
    if node.kind == Node.Kind.CENTRE:
        locations = list(Location.objects.filter(cooperative=cooperative, node=node))
        return Place(node, cooperative, locations, web, web, 0)
    index = int(node.name.rsplit(" ", 1)[1])
    stall = Channel.objects.get(node=node, kind=Channel.Kind.STALL)
    return Place(node, cooperative, list(Location.objects.filter(node=node)), stall, web, index)


def _pick(candidates: list, pick: int):
    return candidates[pick % len(candidates)] if candidates else None


# ---- actions: each through the domain writer the back office calls; None = nothing to do here -----------


def receive_piece(pick: int) -> str | None:
    place = here()
    products = list(
        Product.objects.filter(cooperative=place.cooperative, skus__is_unique=True).order_by("slug")
    )
    makers = list(Maker.objects.filter(cooperative=place.cooperative).order_by("name"))
    if not products or not makers:
        return None
    product, maker = _pick(products, pick), _pick(makers, pick // 7)
    location = _pick(place.locations, pick)
    code = f"UJI-{uuid7().hex[-12:].upper()}"
    today = datetime.date.today()
    piece = save_piece(
        piece=Piece(
            sku=product.skus.get(),
            maker=maker,
            code=code,
            started_on=today - datetime.timedelta(days=30 + pick % 20),
            finished_on=today - datetime.timedelta(days=pick % 5),
        ),
        received_at=location,
        user=place.person,
    )
    return f"received piece {piece.code} at {location.name}"


def receive_units(pick: int) -> str | None:
    place = here()
    sku = SKU.objects.filter(product__cooperative=place.cooperative, is_unique=False).order_by("code").first()
    if sku is None:
        return None
    location = _pick(place.locations, pick)
    quantity = 1 + pick % 6
    receive_stock(sku=sku, location=location, quantity=quantity, reference=f"panen {pick}", user=place.person)
    return f"received {quantity} × {sku.code} at {location.name}"


def inspect(pick: int) -> str | None:
    """Inspect a piece or units in quality control at this node's locations; one in five fails."""
    from sambung.quality.inspections import InspectionError, record_inspection
    from sambung.quality.models import Standard
    from sambung.quality.standards import criteria_of, current_version

    place = here()
    levels = list(
        StockLevel.objects.filter(
            location__in=place.locations, position=Position.QUALITY_CONTROL, quantity__gt=0
        ).order_by("sku__code", "piece__code", "location__name")
    )
    level = _pick(levels, pick)
    if level is None:
        return None
    product = level.sku.product
    version = current_version(Standard.objects.get(cooperative=place.cooperative, category=product.category))
    verdict = "fail" if pick % 5 == 0 else "pass"
    results = {criterion.key: verdict for criterion in criteria_of(version)}
    quantity = 1 if level.piece_id else 1 + pick % level.quantity
    try:
        inspection = record_inspection(
            piece=level.piece,
            sku=None if level.piece_id else level.sku,
            location=None if level.piece_id else level.location,
            quantity=quantity,
            standard_version=version,
            results=results,
            inspector=place.membership,
        )
    except InspectionError as error:
        return f"inspection refused: {error}"
    return f"inspected {level.piece.code if level.piece_id else level.sku.code}: {inspection.outcome}"


def _available(channel: Channel, locations=None):
    levels = StockLevel.objects.filter(channel=channel, position=Position.AVAILABLE, quantity__gt=0)
    if locations is not None:
        levels = levels.filter(location__in=locations)
    return list(
        levels.select_related("sku", "piece", "location").order_by(
            "sku__code", "piece__code", "location__name"
        )
    )


def move_rights_here(pick: int) -> str | None:
    """Centre: give a hub's stall the rights to units lying at that hub. Hub: hand its stall's rights back."""
    place = here()
    if place.is_centre:
        levels = [level for level in _available(place.web) if level.location.node.kind == Node.Kind.HUB]
        level = _pick(levels, pick)
        if level is None:
            return None
        target = Channel.objects.get(node=level.location.node, kind=Channel.Kind.STALL)
        source = place.web
    else:
        level = _pick(_available(place.channel, place.locations), pick)
        if level is None:
            return None
        source, target = place.channel, place.web
    quantity = 1 if level.piece_id else 1 + pick % level.quantity
    move_rights(
        sku=level.sku, location=level.location, quantity=quantity, source=source, target=target, piece=level.piece,
        user=place.person,
    )  # fmt: skip
    return f"rights of {quantity} × {level.piece.code if level.piece_id else level.sku.code}: {source} → {target}"


def stall_sale(pick: int) -> str | None:
    """A hub sells at its market stall what the stall holds rights to."""
    place = here()
    if place.is_centre:
        return None
    level = _pick(_available(place.channel, place.locations), pick)
    if level is None:
        return None
    quantity = 1 if level.piece_id else 1 + pick % level.quantity
    sell_at_stall(place, level, quantity)
    return f"stall sale of {quantity} × {level.piece.code if level.piece_id else level.sku.code}"


def sell_at_stall(place: Place, level: StockLevel, quantity: int) -> None:
    from django.apps import apps

    if not apps.is_installed("sambung.pos"):
        # Until the point-of-sale app is installed, a stall sale is the ledger move every stall sale makes: out
        # of the stall's slot. (Checked by app, not by import: an editable install may import a sibling's code.)
        move_stock(
            sku=level.sku,
            piece=level.piece,
            location=level.location,
            quantity=quantity,
            source=Slot(Position.AVAILABLE, place.channel),
            target=None,
            reason=StockMove.Reason.SALE,
            reference="lapak",
            node=place.node,
            user=place.person,
        )
        return
    from sambung.pos.sales import SaleItem, record_stall_sale

    item = SaleItem(sku=level.sku, location=level.location, quantity=quantity, piece=level.piece)
    total = level.sku.price * quantity
    record_stall_sale(
        sale_id=uuid7(), channel=place.channel, items=[item], payment_method="cash", cash_received=total,
        user=place.person,
    )  # fmt: skip


def online_order(pick: int) -> str | None:
    """The centre's web store sells what it holds rights to, wherever it lies (a buyer checks out)."""
    from sambung.orders.cart import PricedLine
    from sambung.orders.checkout import Buyer, CheckoutError, place_order, start_checkout

    place = here()
    if not place.is_centre:
        return None
    level = _pick(_available(place.web), pick)
    if level is None:
        return None
    quantity = 1 if level.piece_id else 1 + pick % min(level.quantity, 3)
    try:
        checkout = start_checkout(
            cooperative=place.cooperative, lines=[PricedLine(level.sku, level.piece, quantity)]
        )
        rate = ShippingRate.objects.filter(cooperative=place.cooperative).first()
        order = place_order(
            checkout=checkout,
            buyer=Buyer(
                name=f"Pembeli {pick}",
                phone="+6281234567890",
                email="",
                address="Jl. Uji No. 1",
                village_code=BUYER_VILLAGE,
            ),
            shipping_rate=rate,
            payment_method="bank_transfer",
        )
    except CheckoutError as error:
        return f"checkout refused: {error}"
    return f"order {order.code}: {quantity} × {level.piece.code if level.piece_id else level.sku.code}"


def cancel(pick: int) -> str | None:
    from sambung.orders.fulfilment import InvalidTransition, cancel_order
    from sambung.orders.models import CancelReason

    place = here()
    if not place.is_centre:
        return None
    orders = list(
        Order.objects.filter(
            cooperative=place.cooperative, status__in=[OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID]
        ).order_by("code")
    )
    order = _pick(orders, pick)
    if order is None:
        return None
    try:
        cancel_order(order=order, reason=CancelReason.BUYER, user=place.person)
    except InvalidTransition as error:
        return f"cancel refused: {error}"
    return f"cancelled {order.code}"


def pay(pick: int) -> str | None:
    from sambung.orders.fulfilment import InvalidTransition, confirm_payment

    place = here()
    if not place.is_centre:
        return None
    order = _pick(
        list(
            Order.objects.filter(cooperative=place.cooperative, status=OrderStatus.AWAITING_PAYMENT).order_by(
                "code"
            )
        ),
        pick,
    )
    if order is None:
        return None
    try:
        confirm_payment(order=order, user=place.person)
    except InvalidTransition as error:
        return f"payment refused: {error}"
    return f"paid {order.code}"


def record_production(pick: int) -> str | None:
    """Production at this node's locations: a maker's pledge (capacity, a ceremony), a new work order, a stage
    done, work completed (its pieces received into quality control) or cancelled. Makers' calendars are
    written by every node; work orders only where they are delivered."""
    from sambung.production.capacity import ProductionError, add_unavailability, set_capacity
    from sambung.production.models import OPEN_STATUSES, WorkOrder
    from sambung.production.pledges import cancel_work_order, complete_work_order, pledge_work, record_stage

    place = here()
    today = datetime.date.today()
    maker = _pick(list(Maker.objects.filter(cooperative=place.cooperative).order_by("name")), pick // 3)
    skus = list(SKU.objects.filter(product__cooperative=place.cooperative, is_unique=True).order_by("code"))
    if maker is None or not skus:
        return None
    sku = _pick(skus, pick // 5)
    open_work = list(
        WorkOrder.objects.filter(location__in=place.locations, status__in=OPEN_STATUSES).order_by("code")
    )
    step = pick % 6
    try:
        work_order = _pick(open_work, pick // 7)
        if step == 0 or ((work_order is None or step == 2) and not maker.capacities.exists()):
            capacity = set_capacity(
                maker=maker, category=sku.product.category, pieces=1 + pick % 3, rate_per_piece=150_000
            )
            return f"capacity of {maker.name}: {capacity.pieces} in {capacity.days} days"
        if step == 1:
            starts_on = today + datetime.timedelta(days=5 + pick % 60)
            add_unavailability(
                maker=maker, starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=pick % 4),
                reason="upacara adat",
            )  # fmt: skip
            return f"away from {starts_on}: {maker.name}"
        if step == 2 or work_order is None:
            work_order = pledge_work(
                maker=maker, sku=sku, quantity=1, location=_pick(place.locations, pick), user=place.person
            )
            return f"pledged {work_order.code}"
        if step == 3:
            cancel_work_order(work_order=work_order, user=place.person)
            return f"cancelled {work_order.code}"
        if step == 4:
            pieces = complete_work_order(work_order=work_order, completed_on=today, user=place.person)
            return f"completed {work_order.code}: {len(pieces)} pieces"
        done = work_order.events.filter(stage__isnull=False).count()
        record_stage(work_order=work_order, stage=done + 1, done_on=today, user=place.person)
        return f"stage {done + 1} of {work_order.code} done"
    except ProductionError as error:
        return f"production refused: {error}"


ACTIONS = {
    "receive_piece": receive_piece,
    "receive_units": receive_units,
    "inspect": inspect,
    "move_rights": move_rights_here,
    "stall_sale": stall_sale,
    "online_order": online_order,
    "pay": pay,
    "cancel": cancel,
    "record_production": record_production,
}
CENTRE_ACTIONS = (
    "receive_piece",
    "receive_units",
    "inspect",
    "move_rights",
    "online_order",
    "pay",
    "cancel",
    "record_production",
)
HUB_ACTIONS = ("receive_piece", "receive_units", "inspect", "move_rights", "stall_sale", "record_production")


def act(action: str, pick: int) -> str | None:
    try:
        return ACTIONS[action](pick)
    except InsufficientStock as error:  # cannot happen within one node: the candidates were just read
        return f"refused: {error}"


# ---- whole stretches of work: stock before the month, and a month of activity --------------------------


def seed_stock(*, pieces: int, lots: int) -> dict:
    """At this node's locations: receive pieces and lots of coffee, and pass them all through inspection."""
    for number in range(pieces):
        receive_piece(number)
    for number in range(lots):
        receive_units(5 + number * 6)  # 6 units a lot
    inspected = 0
    while inspect(1) is not None:  # pick 1 always passes
        inspected += 1
    return {"inspections": inspected}


def give_rights(*, every: int = 2) -> dict:
    """At the centre: hand each hub's stall the rights to every `every`-th piece and half the units lying there."""
    from sambung.sync.node import this_node

    place = here()
    moved = 0
    for number, level in enumerate(_available(place.web)):
        if level.location.node.kind != Node.Kind.HUB or level.location.node_id == this_node().pk:
            continue
        quantity = 1 if level.piece_id else level.quantity // 2
        if quantity == 0 or (level.piece_id and number % every):
            continue
        stall = Channel.objects.get(node=level.location.node, kind=Channel.Kind.STALL)
        move_rights(
            sku=level.sku, location=level.location, quantity=quantity, source=place.web, target=stall,
            piece=level.piece, user=place.person,
        )  # fmt: skip
        moved += 1
    return {"rights_moves": moved}


# A day's work, by node: (action, times a day; market days double the stall's sales).
HUB_DAY = [("receive_piece", 3), ("receive_units", 1), ("inspect", 4), ("stall_sale", 3), ("move_rights", 1)]
CENTRE_DAY = [
    ("move_rights", 2),
    ("online_order", 3),
    ("pay", 2),
    ("cancel", 1),
    ("receive_units", 1),
    ("inspect", 1),
]


def simulate(*, events: int, seed: int, days: int = 30) -> dict:
    """Work through `days` days with the real writers until this node has written `events` more events.

    Each day runs its plan again and again until the day's share of the events is written (a busy hub works
    several rounds of receiving, inspecting and selling a day); a day on which nothing can be done ends early.
    """
    import random

    from sambung.sync.models import Event
    from sambung.sync.node import this_node

    rng = random.Random(seed)
    me = this_node().pk
    start = Event.objects.filter(origin=me).count()
    done: dict[str, int] = defaultdict(int)
    plan = CENTRE_DAY if here().is_centre else HUB_DAY
    for day in range(1, days + 1):
        market = day % 7 in (3, 6)  # Wednesday and Saturday markets
        goal = start + events * day // days
        while Event.objects.filter(origin=me).count() < goal:
            acted = 0
            for action, times in plan:
                for _ in range(times * (2 if market and action == "stall_sale" else 1)):
                    if act(action, rng.randrange(1 << 30)) is not None:
                        done[action] += 1
                        acted += 1
            if not acted:
                break
    return {"days": days, "actions": dict(done), "events": Event.objects.filter(origin=me).count() - start}


def wire_events(*, origin: str | None = None) -> list[dict]:
    """The events this node holds (of one origin), as the JSON a plain sync API would send."""
    from sambung.sync.models import Event

    rows = Event.objects.order_by("origin", "seq")
    if origin:
        rows = rows.filter(origin=origin)
    return [
        {
            "id": str(e.id),
            "origin": str(e.origin),
            "seq": e.seq,
            "kind": e.kind,
            "payload": e.payload,
            "occurred_at": e.occurred_at.isoformat(),
            "cooperative": str(e.cooperative_id) if e.cooperative_id else None,
        }
        for e in rows
    ]


# ---- the invariants of DESIGN.md §4, read from this node's database ---------------------------------------

SlotKey = tuple[str, str | None, str, str | None, str]  # sku, piece, location, channel, position


def _slot(move: dict, side: str) -> SlotKey | None:
    position = move[f"{side}_position"]
    if not position:
        return None
    channel = move[f"{side}_channel_id"]
    return (
        str(move["sku_id"]),
        str(move["piece_id"]) if move["piece_id"] else None,
        str(move["location_id"]),
        str(channel) if channel else None,
        position,
    )


def levels_from_moves() -> dict[SlotKey, int]:
    """Σ moves into each slot − Σ moves out of it: what every level must be (DESIGN.md §4, item 3)."""
    totals: dict[SlotKey, int] = defaultdict(int)
    fields = ("sku_id", "piece_id", "location_id", "quantity") + tuple(
        f"{side}_{what}" for side in ("source", "target") for what in ("position", "channel_id")
    )
    for move in StockMove.objects.values(*fields).iterator():
        source, target = _slot(move, "source"), _slot(move, "target")
        if source:
            totals[source] -= move["quantity"]
        if target:
            totals[target] += move["quantity"]
    return totals


def check_invariants() -> list[str]:
    """Return every violation of DESIGN.md §4 items 1–3 on this node (an empty list: all hold)."""
    problems = []
    levels: dict[SlotKey, int] = {}
    for level in StockLevel.objects.values(
        "sku_id", "piece_id", "location_id", "channel_id", "position", "quantity"
    ):
        key = (
            str(level["sku_id"]),
            str(level["piece_id"]) if level["piece_id"] else None,
            str(level["location_id"]),
            str(level["channel_id"]) if level["channel_id"] else None,
            level["position"],
        )
        levels[key] = level["quantity"]
        if level["quantity"] < 0:
            problems.append(f"1. negative level {key}: {level['quantity']}")
    expected = levels_from_moves()
    for key in sorted(set(levels) | set(expected), key=str):
        if levels.get(key, 0) != expected.get(key, 0):
            problems.append(
                f"3. level {key} is {levels.get(key, 0)}, its moves sum to {expected.get(key, 0)}"
            )
    # 2. Rights never exceed the units that exist: a piece is one unit, held in one slot at most; counted units
    # held by channels at a location never exceed what entered stock there minus what left it.
    per_piece: dict[str, int] = defaultdict(int)
    rights: dict[tuple[str, str], int] = defaultdict(int)
    units: dict[tuple[str, str], int] = defaultdict(int)
    for (sku, piece, location, channel, _position), quantity in expected.items():
        if piece:
            per_piece[piece] += quantity
        else:
            units[(sku, location)] += quantity
            if channel:
                rights[(sku, location)] += quantity
    problems += [f"2. piece {piece} stands in {n} slots at once" for piece, n in per_piece.items() if n > 1]
    problems += [
        f"2. rights to {rights[key]} units of {key} but {units[key]} exist"
        for key in rights
        if rights[key] > units[key]
    ]
    return problems


def units_oversold() -> int:
    """Units sold (stall sales and orders not cancelled) beyond the units ever received, per piece and per SKU."""
    received: dict[tuple[str, str | None], int] = defaultdict(int)
    for row in (
        StockMove.objects.filter(reason__in=[StockMove.Reason.RECEIPT, StockMove.Reason.RETURN])
        .values("sku_id", "piece_id")
        .annotate(n=Sum("quantity"))
    ):
        received[(str(row["sku_id"]), str(row["piece_id"]) if row["piece_id"] else None)] += row["n"]
    sold: dict[tuple[str, str | None], int] = defaultdict(int)
    stall = StockMove.objects.filter(reason=StockMove.Reason.SALE, target_position="")
    for row in stall.values("sku_id", "piece_id").annotate(n=Sum("quantity")):
        sold[(str(row["sku_id"]), str(row["piece_id"]) if row["piece_id"] else None)] += row["n"]
    lines = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED)
    for row in lines.values("sku_id", "piece_id").annotate(n=Sum("quantity")):
        sold[(str(row["sku_id"]), str(row["piece_id"]) if row["piece_id"] else None)] += row["n"]
    return sum(max(0, n - received[key]) for key, n in sold.items())


def held_events() -> list[list]:
    """Every event this node holds: [origin, seq, id, kind, state], in order."""
    from sambung.sync.models import Event

    return [
        [str(origin), seq, str(event_id), kind, state]
        for origin, seq, event_id, kind, state in Event.objects.order_by("origin", "seq").values_list(
            "origin", "seq", "id", "kind", "state"
        )
    ]


def summary() -> dict:
    """Counts that say what the node holds, for progress lines and for comparing runs."""
    from sambung.production.models import WorkOrder
    from sambung.sync.models import Event

    by_state = {row["state"]: row["n"] for row in Event.objects.values("state").annotate(n=Count("id"))}
    return {
        "events": Event.objects.count(),
        "events_by_state": by_state,
        "pieces": Piece.objects.count(),
        "moves": StockMove.objects.count(),
        "orders": Order.objects.count(),
        "work_orders": WorkOrder.objects.count(),
        "review": list(Event.objects.filter(~Q(state="applied")).values_list("kind", "problem")[:5]),
    }


def state_digest() -> str:
    """The node's replicated state as `manage.py sync_state` prints it."""
    import io

    from django.core.management import call_command

    output = io.StringIO()
    call_command("sync_state", stdout=output)
    return output.getvalue()
