"""The only writer of capacities, unavailable periods and stage lists; and the stages a work order gets."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from sambung.catalog.models import Category, Cooperative, Maker
from sambung.lib.money import MAX_PRICE
from sambung.production.models import (
    MAX_CAPACITY_DAYS,
    MAX_PIECES_PER_30_DAYS,
    Capacity,
    Stage,
    Unavailability,
)
from sambung.production.replication import emit_calendar, emit_stages

MAX_PERIOD_DAYS = 366
MAX_STAGES = 8


class ProductionError(ValueError):
    """A change production cannot take; the message says why, in the user's language."""


@dataclass(frozen=True)
class StageSpec:
    name_id: str
    name_en: str
    share: int  # % of the work's days


IKAT_STAGES = (
    StageSpec("memintal", "spin", 15),
    StageSpec("mengikat motif", "tie", 20),
    StageSpec("mewarnai", "dye", 20),
    StageSpec("menenun", "weave", 35),
    StageSpec("menyelesaikan", "finish", 10),
)
DEFAULT_STAGES = (StageSpec("membuat", "make", 90), StageSpec("menyelesaikan", "finish", 10))


def set_capacity(
    *, maker: Maker, category: Category, pieces: int, days: int = 30, rate_per_piece: int = 0
) -> Capacity:
    """Record how many pieces of a product type the maker makes in how many days, and what she is paid each."""
    if pieces < 1:
        raise ProductionError(_("Capacity is at least one piece; to stop her making this, remove it."))
    if not 1 <= days <= MAX_CAPACITY_DAYS:
        raise ProductionError(_("The number of days must be from 1 to %(max)s.") % {"max": MAX_CAPACITY_DAYS})
    if pieces * 30 > days * MAX_PIECES_PER_30_DAYS:
        raise ProductionError(
            _(
                "%(pieces)s pieces in %(days)s days is more than %(max)s a month from one maker; check the numbers."
            )
            % {"pieces": pieces, "days": days, "max": MAX_PIECES_PER_30_DAYS}
        )
    if not 0 <= rate_per_piece <= MAX_PRICE:
        raise ProductionError(_("The rate per piece must be from Rp 0 to Rp 1.000.000.000.000."))
    with transaction.atomic():
        capacity, _created = Capacity.objects.update_or_create(
            maker=maker,
            category=category,
            defaults={"pieces": pieces, "days": days, "rate_per_piece": rate_per_piece},
        )
        emit_calendar(maker)
    return capacity


def remove_capacity(*, capacity: Capacity) -> None:
    """Stop counting on the maker for this product type; pledged work keeps its dates."""
    with transaction.atomic():
        capacity.delete()
        emit_calendar(capacity.maker)


def add_unavailability(
    *, maker: Maker, starts_on: datetime.date, ends_on: datetime.date, reason: str
) -> Unavailability:
    """Record days she does not weave; pledged work keeps its dates (it was promised on them)."""
    reason = reason.strip()
    if ends_on < starts_on:
        raise ProductionError(_("The period ends before it starts; check the dates."))
    if (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        raise ProductionError(_("A period can be at most a year long."))
    if not reason:
        raise ProductionError(_("Say why she is away, e.g. planting season or a ceremony."))
    with transaction.atomic():
        period = Unavailability.objects.create(
            maker=maker, starts_on=starts_on, ends_on=ends_on, reason=reason[:120]
        )
        emit_calendar(maker)
    return period


def remove_unavailability(*, period: Unavailability) -> None:
    with transaction.atomic():
        period.delete()
        emit_calendar(period.maker)


def stages_for(cooperative: Cooperative, category: Category) -> tuple[StageSpec, ...]:
    """Return the cooperative's stages for the product type: its own list, or ikat's or the default."""
    rows = Stage.objects.filter(cooperative=cooperative, category=category).order_by("position")
    if rows:
        return tuple(StageSpec(row.name_id, row.name_en, row.share) for row in rows)
    if "ikat" in category.slug:
        return IKAT_STAGES
    return DEFAULT_STAGES


def set_stages(*, cooperative: Cooperative, category: Category, stages: list[StageSpec]) -> None:
    """Replace the cooperative's stages for a product type; work orders already pledged keep theirs."""
    if not 1 <= len(stages) <= MAX_STAGES:
        raise ProductionError(_("List from 1 to %(max)s stages.") % {"max": MAX_STAGES})
    if any(not stage.name_id.strip() or not stage.name_en.strip() for stage in stages):
        raise ProductionError(_("Every stage needs a name in Indonesian and in English."))
    if any(stage.share < 1 for stage in stages) or sum(stage.share for stage in stages) != 100:
        raise ProductionError(
            _("The stages' shares of the days must each be at least 1 % and add up to 100 %.")
        )
    with transaction.atomic():
        Stage.objects.filter(cooperative=cooperative, category=category).delete()
        Stage.objects.bulk_create(
            Stage(
                cooperative=cooperative,
                category=category,
                position=position,
                name_id=stage.name_id.strip()[:40],
                name_en=stage.name_en.strip()[:40],
                share=stage.share,
            )
            for position, stage in enumerate(stages, start=1)
        )
        emit_stages(cooperative=cooperative, category=category)
