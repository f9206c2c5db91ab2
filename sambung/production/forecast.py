"""Intermittent-demand forecasts for many products at once, and how many pieces to start now.

Pure numpy, no Django: the weekly plan page calls these with one row per product. Every forecast function takes
``demand`` as a 2-D array, products × periods (oldest period first), of non-negative pieces per period, and
returns one flat one-step-ahead forecast per product (pieces per period, float64, shape ``(products,)``). A 1-D
array is read as one product.

Missing periods: NaN may mark periods outside a product's observed window (before it was listed, or after its
record stops, as in the carparts data set), so rows of different ages fit in one array. Each row is forecast
from its contiguous run of observed periods; a NaN *inside* that run is refused, because the methods below have
no definition for a gap. A row with no observed period forecasts 0 (no evidence of demand).

The methods match statsforecast 2.x (``CrostonSBA``, ``TSB``, ``ADIDA``) to floating-point rounding, with the
same initialisation: each simple exponential smoothing (SES) starts its level at the first value and then
smooths every value including that first one, except that a single value is its own forecast. The tests
check this against statsforecast (a test-only dependency) to within 1e-9.

Loops run over periods, never over products: 10,000 products × 104 weeks take milliseconds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SBA_ALPHA = 0.1  # statsforecast's CrostonSBA smooths both sizes and intervals with alpha 0.1
SBA_DEBIAS = 0.95  # Syntetos–Boylan: 1 - alpha / 2
GOLDEN_RATIO = (np.sqrt(5.0) + 1.0) / 2.0


def croston_sba(demand: npt.ArrayLike, *, alpha: float = SBA_ALPHA) -> FloatArray:
    """Forecast pieces per period with Croston's method and the Syntetos–Boylan correction (SBA).

    Demand sizes and the intervals between demands are smoothed separately with SES(alpha); the forecast is
    0.95 × size / interval. statsforecast's CrostonSBA is ``alpha=0.1``. A product with no demand yet
    forecasts 0.
    """
    _check_alpha(alpha, "alpha")
    values, observed = _prepare(demand)
    has_demand = observed & (values > 0)
    size = _smooth_events(values, has_demand, alpha)
    intervals = _periods_since_last_demand(observed, has_demand)
    interval = _smooth_events(intervals, has_demand, alpha)
    any_demand = has_demand.any(axis=1)
    safe_interval = np.where(any_demand & (interval != 0.0), interval, 1.0)
    return np.where(any_demand, size / safe_interval * SBA_DEBIAS, 0.0)


def tsb(demand: npt.ArrayLike, *, alpha_d: float = 0.1, alpha_p: float = 0.1) -> FloatArray:
    """Forecast pieces per period with Teunter–Syntetos–Babai: smoothed probability × smoothed size.

    The probability of demand is smoothed every period with SES(alpha_p), so a product that stops selling
    fades towards 0 (Croston's methods keep their last level). Sizes are smoothed with SES(alpha_d) when
    demand occurs. statsforecast's TSB has no default; 0.1 and 0.1 are the usual low values for slow movers.
    """
    _check_alpha(alpha_d, "alpha_d")
    _check_alpha(alpha_p, "alpha_p")
    values, observed = _prepare(demand)
    has_demand = observed & (values > 0)
    probability = _smooth_events(has_demand.astype(np.float64), observed, alpha_p)
    size = _smooth_events(values, has_demand, alpha_d)
    return np.where(has_demand.any(axis=1), probability * size, 0.0)


def adida(demand: npt.ArrayLike) -> FloatArray:
    """Forecast pieces per period with ADIDA: aggregate into buckets of the mean interval, SES, spread back.

    The bucket length is the mean interval between demands, rounded half to even. Whole buckets are counted
    from the latest period backwards; their sums are smoothed with SES whose alpha minimises the in-sample
    squared error over [0.1, 0.3] by golden-section search, as statsforecast does. Rows are grouped by
    (observed length, bucket length), so the loop runs over those few groups, not over products.
    """
    values, observed = _prepare(demand)
    n_series = values.shape[0]
    forecast = np.zeros(n_series)
    if values.shape[1] == 0:
        return forecast
    has_demand = observed & (values > 0)
    n_observed = observed.sum(axis=1)
    n_demands = has_demand.sum(axis=1)
    start = np.where(n_observed > 0, observed.argmax(axis=1), 0)
    last_demand = values.shape[1] - 1 - has_demand[:, ::-1].argmax(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_interval = (last_demand - start + 1).astype(np.float64) / n_demands
    bucket = np.where(n_demands > 0, np.round(mean_interval), 0).astype(np.int64)
    for length, size in {(int(n), int(k)) for n, k in zip(n_observed, bucket, strict=True) if k > 0}:
        rows = np.flatnonzero((n_observed == length) & (bucket == size))
        window = values[rows[:, None], start[rows, None] + np.arange(length)]
        forecast[rows] = _chunk_forecast(window, size) / size
    return forecast


def demand_variance_to_mean(demand: npt.ArrayLike) -> FloatArray:
    """Estimate each product's variance-to-mean ratio of demand per period, at least 1 (Poisson).

    Lumpy demand (a hotel orders twelve sarongs at once) has a ratio well above 1; feeding it to
    ``lead_time_demand_quantile`` widens the quantile accordingly. Products with fewer than two observed
    periods or no demand get 1.
    """
    values, observed = _prepare(demand)
    count = observed.sum(axis=1)
    filled = np.where(observed, values, 0.0)
    mean = filled.sum(axis=1) / np.maximum(count, 1)
    squares = np.where(observed, (values - mean[:, None]) ** 2, 0.0).sum(axis=1)
    variance = squares / np.maximum(count - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((count >= 2) & (mean > 0), variance / mean, 1.0)
    return np.maximum(ratio, 1.0)


def lead_time_demand_quantile(
    mean_per_period: npt.ArrayLike,
    *,
    lead_periods: float,
    service_level: float,
    variance_to_mean: npt.ArrayLike = 1.0,
) -> IntArray:
    """Return the smallest whole number of pieces that covers lead-time demand with the given probability.

    Lead-time demand is modelled as a negative binomial (a gamma–Poisson mixture) with mean
    ``mean_per_period × lead_periods`` and the given variance-to-mean ratio; a ratio of 1 is the Poisson
    distribution. Why this and not the empirical distribution of past lead-time sums: a cooperative's
    products have a few dozen weeks of history at best, too few for an empirical 90th percentile, while
    the forecast mean and one dispersion figure are stable enough to plan with. The ratio applies to the
    lead-time total as it does per period (independent periods). Use the lead time plus one review period
    as ``lead_periods`` when the plan is reviewed weekly.
    """
    mean = np.atleast_1d(np.asarray(mean_per_period, dtype=np.float64))
    if mean.ndim != 1:
        raise ValueError("mean_per_period must be one number per product")
    if not np.isfinite(mean).all() or (mean < 0).any():
        raise ValueError("mean_per_period must be finite and not negative")
    if not (np.isfinite(lead_periods) and lead_periods >= 0):
        raise ValueError(f"lead_periods must be a non-negative number of periods, not {lead_periods!r}")
    if not 0.0 < service_level < 1.0:
        raise ValueError(f"service_level must be between 0 and 1 (exclusive), not {service_level!r}")
    ratio = np.broadcast_to(np.asarray(variance_to_mean, dtype=np.float64), mean.shape)
    if not np.isfinite(ratio).all() or (ratio < 1.0).any():
        raise ValueError("variance_to_mean must be finite and at least 1")

    total = mean * lead_periods
    positive = total > 0
    is_poisson = ratio <= 1.0 + 1e-12
    # Negative binomial with mean m and variance v·m: r = m / (v − 1) successes, P(one more) q = (v − 1) / v.
    shape = np.where(is_poisson | ~positive, 1.0, total / np.where(is_poisson, 1.0, ratio - 1.0))
    shape = np.maximum(shape, np.finfo(np.float64).tiny)  # a subnormal mean must not reach log(0)
    log_q = np.log1p(-1.0 / np.where(is_poisson, 2.0, ratio))  # unused where Poisson
    # Work in logs: exp(-m) underflows for large m, the log of each term does not.
    log_pmf = np.where(is_poisson, -total, -shape * np.log(ratio))
    cdf = np.where(positive, np.exp(log_pmf), 1.0)
    quantile = np.zeros(mean.shape, dtype=np.int64)
    pending = cdf < service_level
    k = 0
    while pending.any():
        log_step = np.where(
            is_poisson, np.log(np.where(positive, total, 1.0)), np.log(k + shape) + log_q
        ) - np.log(k + 1.0)
        log_pmf = log_pmf + log_step
        cdf = cdf + np.exp(log_pmf)
        k += 1
        quantile[pending] = k
        pending &= cdf < service_level
        if k > 10 * (total.max() + 100):  # only float rounding can stop the cdf short of the level
            break
    return quantile


def pieces_to_start(
    *,
    mean_per_period: npt.ArrayLike,
    lead_periods: float,
    service_level: float,
    on_hand: npt.ArrayLike,
    pipeline: npt.ArrayLike,
    capacity: npt.ArrayLike,
    variance_to_mean: npt.ArrayLike = 1.0,
) -> IntArray:
    """Return how many pieces to start now per product: the lead-time quantile not yet covered, within capacity.

    ``on_hand`` is sellable stock not promised to anyone, ``pipeline`` the pieces in progress not promised
    to an order, ``capacity`` the pieces the makers can start now. The result is never negative and never
    above ``capacity``.
    """
    target = lead_time_demand_quantile(
        mean_per_period,
        lead_periods=lead_periods,
        service_level=service_level,
        variance_to_mean=variance_to_mean,
    )
    position = np.asarray(on_hand, dtype=np.int64) + np.asarray(pipeline, dtype=np.int64)
    room = np.asarray(capacity, dtype=np.int64)
    if (room < 0).any():
        raise ValueError("capacity must not be negative")
    return np.clip(target - position, 0, room)


def _prepare(demand: npt.ArrayLike) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Return demand as a 2-D float array with its mask of observed periods, refusing what the methods cannot use."""
    values = np.asarray(demand, dtype=np.float64)
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2:
        raise ValueError(f"demand must be products × periods (2-D), not {values.ndim}-D")
    observed = ~np.isnan(values)
    if np.isinf(values).any() or (values[observed] < 0).any():
        raise ValueError("demand must be finite and not negative (returns are not demand)")
    if values.shape[1] == 0:
        return values, observed
    # A gap inside the observed run: fewer observed periods than from the first observed to the last.
    count = observed.sum(axis=1)
    first = observed.argmax(axis=1)
    last = values.shape[1] - 1 - observed[:, ::-1].argmax(axis=1)
    gaps = (count > 0) & (count != last - first + 1)
    if gaps.any():
        rows = np.flatnonzero(gaps)
        raise ValueError(
            f"demand has missing periods inside the history of row(s) {rows[:5].tolist()}; "
            "NaN may only mark periods before a product's first or after its last observed period"
        )
    return values, observed


def _periods_since_last_demand(
    observed: npt.NDArray[np.bool_], has_demand: npt.NDArray[np.bool_]
) -> FloatArray:
    """Return, at each period, the periods since the previous demand (or since the history began)."""
    period = np.arange(observed.shape[1])
    if observed.shape[1] == 0:
        return np.zeros(observed.shape)
    before_start = np.where(observed.any(axis=1), observed.argmax(axis=1), 0) - 1
    last_demand = np.maximum.accumulate(np.where(has_demand, period, -1), axis=1)
    previous = np.empty_like(last_demand)
    previous[:, 0] = -1
    previous[:, 1:] = last_demand[:, :-1]
    return (period - np.maximum(previous, before_start[:, None])).astype(np.float64)


def _smooth_events(values: FloatArray, is_event: npt.NDArray[np.bool_], alpha: float) -> FloatArray:
    """Return SES(alpha) of each row's event values, initialised as statsforecast does; 0 where no event."""
    rows = np.arange(values.shape[0])
    count = is_event.sum(axis=1)
    if values.shape[1] == 0:
        return np.zeros(values.shape[0])
    first = np.where(count > 0, values[rows, is_event.argmax(axis=1)], 0.0)
    # The level starts at the first event's value and is then smoothed with every event, that one included.
    level = first.copy()
    complement = 1.0 - alpha
    smoothed = np.empty_like(level)
    scratch = np.empty_like(level)
    # Periods × series, contiguous: each step reads one row instead of a strided column.
    by_period = np.ascontiguousarray(np.where(is_event, values, 0.0).T)
    events = np.ascontiguousarray(is_event.T)
    for x, event in zip(by_period, events, strict=True):
        np.multiply(x, alpha, out=smoothed)
        np.multiply(level, complement, out=scratch)
        smoothed += scratch
        np.copyto(level, smoothed, where=event)
    # statsforecast returns a single value as is, without the self-update above.
    return np.where(count == 1, first, level)


def _chunk_forecast(window: FloatArray, size: int) -> FloatArray:
    """Return the SES forecast of bucket sums of each row (rows share length and bucket size)."""
    length = window.shape[1]
    if length < size:
        return window[:, -1].copy()
    lost = length % size
    n_chunks = length // size
    chunks = window[:, lost:].reshape(window.shape[0], n_chunks, size)
    sums = np.zeros((window.shape[0], n_chunks))
    for j in range(size):  # left to right, as statsforecast adds them
        sums = sums + chunks[:, :, j]
    if n_chunks == 1:
        return sums[:, 0]
    alpha = _golden_section_alpha(sums, lower=0.1, upper=0.3)
    level = sums[:, 0].copy()
    for i in range(n_chunks):
        level = alpha * sums[:, i] + (1.0 - alpha) * level
    return level


def _golden_section_alpha(series: FloatArray, *, lower: float, upper: float) -> FloatArray:
    """Return, per row, the SES alpha in [lower, upper] minimising in-sample squared error (golden section)."""
    n = series.shape[0]
    a = np.full(n, lower)
    b = np.full(n, upper)
    c = b - (b - a) / GOLDEN_RATIO
    d = a + (b - a) / GOLDEN_RATIO
    fc = _ses_sse(series, c)
    fd = _ses_sse(series, d)
    active = np.abs(b - a) >= 1e-12
    while active.any():
        left = active & (fc < fd)
        right = active & (fd < fc)
        active &= left | right  # equal errors end the search, as in statsforecast
        # Left: the minimum is in [a, d]; right: in [c, b]. One new point to evaluate per row.
        b = np.where(left, d, b)
        a = np.where(right, c, a)
        d_new = np.where(left, c, d)
        fd = np.where(left, fc, fd)
        c_new = np.where(right, d, c)
        fc = np.where(right, fd, fc)
        c_new = np.where(left, b - (b - a) / GOLDEN_RATIO, c_new)
        d_new = np.where(right, a + (b - a) / GOLDEN_RATIO, d_new)
        c, d = c_new, d_new
        if left.any() or right.any():
            point = np.where(left, c, d)
            error = _ses_sse(series, point)
            fc = np.where(left, error, fc)
            fd = np.where(right, error, fd)
        active &= np.abs(b - a) >= 1e-12
    return (b + a) / 2.0


def _ses_sse(series: FloatArray, alpha: FloatArray) -> FloatArray:
    """Return each row's in-sample sum of squared one-step SES errors for its own alpha."""
    complement = 1.0 - alpha
    forecast = series[:, 0].copy()
    sse = np.zeros(series.shape[0])
    for i in range(1, series.shape[1]):
        forecast = alpha * series[:, i - 1] + complement * forecast
        error = series[:, i] - forecast
        sse = sse + error * error
    return sse


def _check_alpha(alpha: float, name: str) -> None:
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], not {alpha!r}")
