"""The only writer of work orders: pledge work within a maker's free capacity, record its stages, complete it
(its pieces are received through catalog.pieces.save_piece, so they go where every received piece goes: to
quality control first), or cancel it. Each change is a WorkOrderEvent row; WorkOrder.status caches the latest
and is changed by one guarded UPDATE, so two people pressing buttons at once cannot both win.
"""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import SKU, Cooperative, Location, Maker, Piece
from sambung.catalog.pieces import save_piece
from sambung.catalog.products import CatalogError
from sambung.production.capacity import ProductionError, StageSpec, stages_for
from sambung.production.models import (
    MAX_WORK_ORDER_PIECES,
    OPEN_STATUSES,
    Allocation,
    DeliveredPiece,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStage,
    WorkOrderStatus,
)
from sambung.production.replication import emit_work_order
from sambung.production.schedule import BeyondHorizon, load_maker_plans

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # read aloud at the hub without mistakes
Kind = WorkOrderEvent.Kind


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def receiving_location(cooperative) -> Location | None:
    """Return where makers deliver by default: the first village hub, else the first location."""
    locations = Location.objects.filter(cooperative=cooperative).exclude(kind=Location.Kind.TRANSIT)
    return (
        locations.filter(kind=Location.Kind.HUB).order_by("name").first()
        or locations.order_by("name").first()
    )


def stage_dates(dates: list[datetime.date], stages: tuple[StageSpec, ...]) -> list[datetime.date]:
    """Return the day each stage is expected done: at its cumulative share of the planned free days."""
    expected, cumulative = [], 0
    for stage in stages:
        cumulative += stage.share
        index = max(1, -(-len(dates) * cumulative // 100))
        expected.append(dates[min(index, len(dates)) - 1])
    expected[-1] = dates[-1]
    return expected


def pledge_work(
    *,
    maker: Maker,
    sku: SKU,
    quantity: int,
    location: Location | None = None,
    rate_per_piece: int | None = None,
    needed_by: datetime.date | None = None,
    not_before: datetime.date | None = None,
    order_line=None,
    note: str = "",
    user=None,
    today: datetime.date | None = None,
) -> WorkOrder:
    """Pledge `quantity` pieces from the maker, planned on her free days after her open work.

    Raise ProductionError when she has no capacity for the product type, or when her free capacity cannot
    finish the pieces by `needed_by`.
    """
    today = today or timezone.localdate()
    product = sku.product
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_WORK_ORDER_PIECES:
        raise ProductionError(_("A work order is for 1 to %(max)s pieces.") % {"max": MAX_WORK_ORDER_PIECES})
    if maker.cooperative_id != product.cooperative_id or not maker.is_active:
        raise ProductionError(_("Choose an active maker of this cooperative."))
    location = location or receiving_location(product.cooperative)
    if location is None or location.cooperative_id != product.cooperative_id:
        raise ProductionError(_("Choose where the pieces will be delivered."))
    if needed_by is not None and needed_by < today:
        raise ProductionError(_("The date needed is in the past."))
    with transaction.atomic():
        # PostgreSQL: one pledge per maker at a time; SQLite's BEGIN IMMEDIATE already queues writers.
        Maker.objects.select_for_update().filter(pk=maker.pk).first()
        plan = load_maker_plans(maker_ids=[maker.pk], today=today)[maker.pk]
        if not plan.can_make(product.category_id):
            raise ProductionError(
                _("%(maker)s has no capacity recorded for %(category)s; record it first.")
                % {"maker": maker.name, "category": product.category.name}
            )
        try:
            dates = plan.plan(product.category_id, quantity, today, not_before=not_before)
        except BeyondHorizon:
            raise ProductionError(
                _("%(maker)s's calendar leaves no room for this work within two years.")
                % {"maker": maker.name}
            ) from None
        if needed_by is not None and dates[-1] > needed_by:
            raise ProductionError(
                _beyond_capacity_message(plan, product.category_id, quantity, needed_by, today, dates)
            )
        if rate_per_piece is None:
            rate_per_piece = plan.rates_paid[product.category_id]
        work_order = _create_work_order(
            cooperative=product.cooperative,
            maker=maker,
            sku=sku,
            quantity=quantity,
            rate_per_piece=rate_per_piece,
            location=location,
            order_line=order_line,
            starts_on=dates[0],
            due_on=dates[-1],
            work_days=len(dates),
            note=note.strip()[:300],
            created_by=user,
        )
        stages = stages_for(product.cooperative, product.category)
        WorkOrderStage.objects.bulk_create(
            WorkOrderStage(
                work_order=work_order,
                position=position,
                name_id=stage.name_id,
                name_en=stage.name_en,
                expected_on=expected,
            )
            for position, (stage, expected) in enumerate(
                zip(stages, stage_dates(dates, stages), strict=True), 1
            )
        )
        WorkOrderEvent.objects.create(work_order=work_order, kind=Kind.PLEDGED, happened_on=today, actor=user)
        emit_work_order(work_order)
    return work_order


def _beyond_capacity_message(plan, category_id, quantity, needed_by, today, dates) -> str:
    free_days = 0
    if needed_by >= dates[0]:
        free_days = sum(
            plan.is_free(dates[0] + datetime.timedelta(days=n))
            for n in range((needed_by - dates[0]).days + 1)
        )
    rate = plan.rates[category_id]
    can_make = free_days * rate.pieces // rate.days
    return _(
        "Beyond her capacity: %(maker)s could finish %(quantity)s pieces on %(finish)s at the earliest, after "
        "the work she has pledged; by %(needed)s her free capacity is %(free)s pieces."
    ) % {
        "maker": plan.name,
        "quantity": quantity,
        "finish": _date(dates[-1]),
        "needed": _date(needed_by),
        "free": can_make,
    }


def _create_work_order(**fields) -> WorkOrder:
    for _attempt in range(20):
        code = "KR-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        try:
            with transaction.atomic():
                return WorkOrder.objects.create(code=code, **fields)
        except IntegrityError:
            if not WorkOrder.objects.filter(code=code).exists():
                raise
    raise RuntimeError("could not draw a free work order code")


def _refuse_if_closed(work_order: WorkOrder) -> None:
    status = WorkOrder.objects.filter(pk=work_order.pk).values_list("status", flat=True).get()
    if status not in OPEN_STATUSES:
        raise ProductionError(
            _("Work order %(code)s is %(status)s; it cannot be changed any more.")
            % {"code": work_order.code, "status": WorkOrderStatus(status).label}
        )


def _last_stage_done(work_order: WorkOrder) -> WorkOrderEvent | None:
    return work_order.events.filter(kind=Kind.STAGE_DONE).order_by("-stage").first()


def _check_date(work_order: WorkOrder, day: datetime.date, today: datetime.date) -> None:
    if day > today:
        raise ProductionError(_("That date is in the future."))
    pledged_on = work_order.events.filter(kind=Kind.PLEDGED).values_list("happened_on", flat=True).first()
    if pledged_on and day < pledged_on:
        raise ProductionError(
            _("The work was pledged on %(pledged)s; nothing can be done on it before that.")
            % {"pledged": _date(pledged_on)}
        )
    last = _last_stage_done(work_order)
    if last is not None and day < last.happened_on:
        stage = work_order.stages.get(position=last.stage)
        raise ProductionError(
            _(
                "Stage dates out of order: %(stage)s was done on %(done)s; a later step cannot be done before that."
            )
            % {"stage": stage.name, "done": _date(last.happened_on)}
        )


def record_stage(
    *,
    work_order: WorkOrder,
    stage: int,
    done_on: datetime.date,
    note: str = "",
    user=None,
    today: datetime.date | None = None,
) -> WorkOrderEvent:
    """Record that the next stage of the work is done; stages are recorded in order, on dates in order."""
    today = today or timezone.localdate()
    with transaction.atomic():
        _refuse_if_closed(work_order)
        last = _last_stage_done(work_order)
        next_stage = work_order.stages.filter(position__gt=last.stage if last else 0).first()
        if next_stage is None:
            raise ProductionError(
                _("Every stage is recorded; complete the work order to receive the pieces.")
            )
        if stage != next_stage.position:
            raise ProductionError(
                _("Record the stage %(stage)s first: stages are recorded in order.")
                % {"stage": next_stage.name}
            )
        _check_date(work_order, done_on, today)
        if not WorkOrder.objects.filter(pk=work_order.pk, status__in=OPEN_STATUSES).update(
            status=WorkOrderStatus.IN_PROGRESS
        ):
            raise ProductionError(_("Work order %(code)s was closed meanwhile.") % {"code": work_order.code})
        work_order.status = WorkOrderStatus.IN_PROGRESS
        try:
            with transaction.atomic():
                event = WorkOrderEvent.objects.create(
                    work_order=work_order,
                    kind=Kind.STAGE_DONE,
                    stage=stage,
                    happened_on=done_on,
                    note=note.strip()[:300],
                    actor=user,
                )
        except IntegrityError:
            raise ProductionError(
                _("The stage %(stage)s was recorded a moment ago.") % {"stage": next_stage.name}
            ) from None
        emit_work_order(work_order)
    return event


def complete_work_order(
    *,
    work_order: WorkOrder,
    completed_on: datetime.date,
    location: Location | None = None,
    note: str = "",
    user=None,
    today: datetime.date | None = None,
) -> list[Piece]:
    """Close the work order as done: its pieces are recorded and received (to inspection) at the location."""
    from sambung.production.waitlist import notify_waiting_buyers

    today = today or timezone.localdate()
    location = location or work_order.location
    if location.cooperative_id != work_order.cooperative_id:
        raise ProductionError(_("Choose where the pieces will be delivered."))
    with transaction.atomic():
        _refuse_if_closed(work_order)
        _check_date(work_order, completed_on, today)
        if not WorkOrder.objects.filter(pk=work_order.pk, status__in=OPEN_STATUSES).update(
            status=WorkOrderStatus.COMPLETED, completed_on=completed_on
        ):
            raise ProductionError(_("Work order %(code)s was closed meanwhile.") % {"code": work_order.code})
        work_order.status, work_order.completed_on = WorkOrderStatus.COMPLETED, completed_on
        last = _last_stage_done(work_order)
        for stage in work_order.stages.filter(position__gt=last.stage if last else 0):
            WorkOrderEvent.objects.create(
                work_order=work_order,
                kind=Kind.STAGE_DONE,
                stage=stage.position,
                happened_on=completed_on,
                actor=user,
            )
        WorkOrderEvent.objects.create(
            work_order=work_order,
            kind=Kind.COMPLETED,
            happened_on=completed_on,
            note=note.strip()[:300],
            actor=user,
        )
        pieces = []
        started_on = min(work_order.starts_on, completed_on)
        for number in range(1, work_order.quantity + 1):
            piece = Piece(
                sku=work_order.sku,
                maker=work_order.maker,
                code=f"{work_order.sku.code[:24]}-{work_order.code[3:]}-{number}",
                started_on=started_on,
                finished_on=completed_on,
            )
            try:
                save_piece(piece=piece, received_at=location, user=user)
            except CatalogError as error:
                raise ProductionError(str(error)) from None
            DeliveredPiece.objects.create(work_order=work_order, piece=piece)
            pieces.append(piece)
        emit_work_order(work_order)  # after its pieces' own events: a receiver finds them already there
        notify_waiting_buyers(product=work_order.sku.product)
    return pieces


def cancel_work_order(
    *, work_order: WorkOrder, note: str = "", user=None, today: datetime.date | None = None
) -> WorkOrder:
    """Give up pledged work that was promised to no buyer; her days become free for new pledges."""
    today = today or timezone.localdate()
    with transaction.atomic():
        _refuse_if_closed(work_order)
        line = work_order.order_line or next(
            (a.order_line for a in work_order.allocations.select_related("order_line__order")), None
        )
        if line is not None:
            raise ProductionError(
                _("This work is promised to order %(order)s; cancel or change the order first.")
                % {"order": line.order.code}
            )
        if not WorkOrder.objects.filter(pk=work_order.pk, status__in=OPEN_STATUSES).update(
            status=WorkOrderStatus.CANCELLED
        ):
            raise ProductionError(_("Work order %(code)s was closed meanwhile.") % {"code": work_order.code})
        work_order.status = WorkOrderStatus.CANCELLED
        WorkOrderEvent.objects.create(
            work_order=work_order, kind=Kind.CANCELLED, happened_on=today, note=note.strip()[:300], actor=user
        )
        emit_work_order(work_order)
    return work_order


def record_past_work_order(
    *,
    maker: Maker,
    pieces: list[Piece],
    starts_on: datetime.date,
    due_on: datetime.date,
    completed_on: datetime.date,
    rate_per_piece: int = 0,
    user=None,
) -> WorkOrder:
    """Record finished work from before Sambung (a paper record): its planned and actual finish, its pieces."""
    if not pieces or any(p.maker_id != maker.pk or p.sku_id != pieces[0].sku_id for p in pieces):
        raise ProductionError(_("Choose pieces of one SKU, all made by this maker."))
    if due_on < starts_on or completed_on < starts_on:
        raise ProductionError(_("The dates are out of order; check them."))
    if DeliveredPiece.objects.filter(piece__in=pieces).exists():
        raise ProductionError(_("One of these pieces is already recorded in a work order."))
    sku = pieces[0].sku
    with transaction.atomic():
        days = [starts_on + datetime.timedelta(days=n) for n in range((due_on - starts_on).days + 1)]
        work_order = _create_work_order(
            cooperative=maker.cooperative,
            maker=maker,
            sku=sku,
            quantity=len(pieces),
            rate_per_piece=rate_per_piece,
            location=receiving_location(maker.cooperative),
            starts_on=starts_on,
            due_on=due_on,
            work_days=len(days),
            status=WorkOrderStatus.COMPLETED,
            completed_on=completed_on,
            created_by=user,
        )
        WorkOrderEvent.objects.create(
            work_order=work_order, kind=Kind.PLEDGED, happened_on=starts_on, actor=user
        )
        stages = stages_for(maker.cooperative, sku.product.category)
        for position, (stage, expected) in enumerate(zip(stages, stage_dates(days, stages), strict=True), 1):
            WorkOrderStage.objects.create(
                work_order=work_order,
                position=position,
                name_id=stage.name_id,
                name_en=stage.name_en,
                expected_on=expected,
            )
            WorkOrderEvent.objects.create(
                work_order=work_order,
                kind=Kind.STAGE_DONE,
                stage=position,
                happened_on=completed_on,
                actor=user,
            )
        WorkOrderEvent.objects.create(
            work_order=work_order, kind=Kind.COMPLETED, happened_on=completed_on, actor=user
        )
        DeliveredPiece.objects.bulk_create(DeliveredPiece(work_order=work_order, piece=p) for p in pieces)
        emit_work_order(work_order)
    return work_order


def lock_capacity(cooperative_id) -> None:
    """Serialize what promises a cooperative's capacity: holds at checkout and pledges for order lines.

    PostgreSQL: lock the cooperative's row (always before a maker's row, so two locks never cross); SQLite's
    BEGIN IMMEDIATE already runs one writer at a time.
    """
    Cooperative.objects.select_for_update().filter(pk=cooperative_id).values_list("pk", flat=True).first()


def release_order_line_work(*, order_line, user=None, today: datetime.date | None = None) -> list[WorkOrder]:
    """Free the work pledged for a line whose order was cancelled: it goes on, for stock.

    The maker was promised the work and is paid per piece; a cancelled order does not take that from her, and
    the piece will sell (the manager may still cancel the work order, now promised to no one). Her pieces not
    yet handed over go to the web store after inspection like any other. Return the work orders freed.
    """
    today = today or timezone.localdate()
    freed = []
    with transaction.atomic():
        for work_order in WorkOrder.objects.filter(order_line=order_line):
            WorkOrder.objects.filter(pk=work_order.pk).update(order_line=None)
            freed.append(work_order)
        for allocation in Allocation.objects.filter(order_line=order_line).select_related("work_order"):
            freed.append(allocation.work_order)
            allocation.delete()
        for work_order in freed:
            WorkOrderEvent.objects.create(
                work_order=work_order,
                kind=Kind.RELEASED,
                happened_on=today,
                note=(
                    _("Order %(order)s was cancelled; the work goes on for stock.")
                    % {"order": order_line.order.code}
                )[:300],
                actor=user,
            )
            emit_work_order(work_order)
    return freed


def pledge_for_order_line(*, order_line, user=None, today: datetime.date | None = None) -> list[WorkOrder]:
    """Back a line sold made to order with work: open work promised to no one first, then new pledges split
    across makers by who finishes first (quality record and fair rotation break ties).

    The line's ship-by date was promised at checkout and is never moved: if the work can no longer be ready
    by then (someone took the capacity a moment ago), raise ProductionError and change nothing.
    """
    from sambung.production.promises import Planner

    today = today or timezone.localdate()
    sku = order_line.sku
    with transaction.atomic():
        lock_capacity(sku.product.cooperative_id)
        if order_line.allocations.exists() or order_line.work_orders.exists():
            raise ProductionError(_("This order line already has its work."))
        planner = Planner(
            cooperative_ids=[sku.product.cooperative_id], today=today, holds_before=order_line.order.checkout
        )
        units = planner.units(sku, order_line.quantity)
        if len(units) < order_line.quantity or planner.ship_by(sku, units) > order_line.promised_ship_by:
            raise ProductionError(
                _("%(title)s can no longer be made by %(date)s; the makers' capacity was taken meanwhile.")
                % {"title": order_line.title, "date": _date(order_line.promised_ship_by)}
            )
        from_open_work: dict = {}
        new_pieces: dict = {}
        for unit in units:
            if unit.work_order_id is not None:
                from_open_work[unit.work_order_id] = from_open_work.get(unit.work_order_id, 0) + 1
            else:
                new_pieces[unit.maker_id] = (new_pieces.get(unit.maker_id, (0, unit))[0] + 1, unit)
        for work_order_id, quantity in from_open_work.items():
            allocation = Allocation.objects.create(
                work_order_id=work_order_id, order_line=order_line, quantity=quantity
            )
            emit_work_order(allocation.work_order)
        work_orders = []
        for maker_id, (quantity, unit) in new_pieces.items():
            work_orders.append(
                pledge_work(
                    maker=Maker.objects.get(pk=maker_id),
                    sku=sku,
                    quantity=quantity,
                    needed_by=unit.planned_finish,
                    # Where the planner found room: capacity held by earlier checkouts stays theirs.
                    not_before=unit.planned_start,
                    order_line=order_line,
                    user=user,
                    today=today,
                )
            )
    return work_orders
