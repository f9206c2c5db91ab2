"""The day all of an order's work is ready with 98 % probability, from the delays observed so far.

Padding each piece by the 90th percentile of past delays breaks about one promise in twenty: an order of several
pieces waits for the slowest, and one piece in ten runs past its p90 by definition (bench/continuity.py measured
94.5 % and 96.3 % kept). So a promise is the first day on which every piece of work behind the order is ready with
PROMISE_CONFIDENCE, each one's delay drawn from the observed delays of its maker and product type, conditioned on
the work not being done yet, the pieces taken as independent. The storefront, checkout and the simulation in
bench/continuity.py all call `ready_by`. Pure numpy: no database, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PROMISE_CONFIDENCE = 0.98
PADDING_PERCENTILE = 90


@dataclass(frozen=True)
class Delays:
    """Observed delays in days (actual − planned finish), sorted; `fallback` is assumed for work that is already
    later than every delay seen (the p90 of the delays, at least 0)."""

    sorted: np.ndarray
    fallback: int

    @classmethod
    def of(cls, values: Iterable[int]) -> Delays:
        """Return the record of these delays; no history reads as "on time" (a single delay of 0)."""
        observed = np.sort(np.asarray(list(values), dtype=np.int64))
        if observed.size == 0:
            return cls(np.zeros(1, dtype=np.int64), 0)
        padding = int(np.percentile(observed, PADDING_PERCENTILE, method="higher"))
        return cls(observed, max(0, padding))


NO_HISTORY = Delays.of([])


@dataclass(frozen=True)
class Work:
    """Work behind an order: its planned finish days (ordinal numbers), its maker's delays, and the days from
    done to shipped (`shift`: days to pack). Each planned day is one piece of work with its own delay."""

    planned: Sequence[int]
    delays: Delays
    shift: int = 0


def ready_by(work: Sequence[Work], *, today: int, confidence: float = PROMISE_CONFIDENCE) -> int:
    """Return the first day on which all the work is ready (plus its shift) with `confidence`.

    Never before today, nor before any work's planned finish: a promise never counts on a maker being early.
    Work still in the makers' hands today cannot be done before today, so each delay is conditioned on being
    longer than the days already past its plan; work later than any delay seen is assumed done `fallback`
    days from today.
    """
    if not work:
        raise ValueError("no work to promise")
    parts = []
    earliest, latest, floor = None, None, None
    for item in work:
        planned = np.asarray(item.planned, dtype=np.int64)
        observed = item.delays.sorted
        n = len(observed)
        # P(delay <= x | delay > elapsed): work not done by today cannot be done before it.
        below_today = np.searchsorted(observed, today - planned, side="right") / n
        beyond = 1.0 - below_today
        unknown = beyond <= 0
        parts.append((planned, observed, n, below_today, beyond, unknown, item.delays.fallback, item.shift))
        first = today + item.shift
        last = max(int(planned.max() + observed[-1]), today + item.delays.fallback) + item.shift
        plan_floor = int(planned.max()) + item.shift
        earliest = first if earliest is None else min(earliest, first)
        latest = last if latest is None else max(latest, last)
        floor = plan_floor if floor is None else max(floor, plan_floor)

    def chance(day: int) -> float:
        total = 1.0
        for planned, observed, n, below_today, beyond, unknown, fallback, shift in parts:
            ready = day - shift
            below = np.searchsorted(observed, ready - planned, side="right") / n
            each = np.where(
                unknown, ready >= today + fallback, (below - below_today) / np.where(unknown, 1, beyond)
            )
            total *= float(np.prod(np.clip(each, 0.0, 1.0)))
        return total

    while earliest < latest:  # the smallest day with enough confidence, by bisection
        middle = (earliest + latest) // 2
        if chance(middle) >= confidence:
            latest = middle
        else:
            earliest = middle + 1
    return max(earliest, floor, today)
