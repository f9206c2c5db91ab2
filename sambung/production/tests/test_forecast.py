"""Forecasts agree with statsforecast (the test-only oracle) to 1e-9, row by row, and plan quantities stay sane."""

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsforecast.models import ADIDA, TSB, CrostonSBA

from sambung.production import forecast

CARPARTS = (Path(__file__).parents[3] / "../shared/data/carparts.csv").resolve()
TOLERANCE = 1e-9

# name → (ours, a fresh statsforecast model); TSB twice so that unequal alphas are covered.
METHODS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[], object]]] = {
    "sba": (forecast.croston_sba, CrostonSBA),
    "tsb": (lambda d: forecast.tsb(d, alpha_d=0.1, alpha_p=0.1), lambda: TSB(alpha_d=0.1, alpha_p=0.1)),
    "tsb-unequal": (
        lambda d: forecast.tsb(d, alpha_d=0.3, alpha_p=0.05),
        lambda: TSB(alpha_d=0.3, alpha_p=0.05),
    ),
    "adida": (forecast.adida, ADIDA),
}


def oracle(make_model: Callable[[], object], rows: np.ndarray) -> np.ndarray:
    """Forecast each row's observed window with statsforecast, one model per series."""
    out = []
    for row in np.atleast_2d(rows):
        window = row[~np.isnan(row)]
        out.append(make_model().forecast(y=window, h=1)["mean"][0] if window.size else 0.0)
    return np.array(out)


def assert_matches_statsforecast(name: str, rows: np.ndarray) -> None:
    ours, make_model = METHODS[name]
    got = ours(rows)
    expected = oracle(make_model, rows)
    assert got.shape == (rows.shape[0],)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def random_intermittent(seed: int, n_series: int, n_periods: int) -> np.ndarray:
    """Return series mixing smooth, intermittent and lumpy demand, some with fractional sizes."""
    rng = np.random.default_rng(seed)
    occurs = rng.random((n_series, n_periods)) < rng.uniform(0.03, 0.9, (n_series, 1))
    sizes = rng.poisson(rng.uniform(0.5, 6, (n_series, 1)), (n_series, n_periods)) + 1.0
    lumps = np.where(rng.random((n_series, n_periods)) < 0.05, rng.integers(5, 40, (n_series, n_periods)), 0)
    demand = occurs * (sizes + lumps)
    fractional = rng.random(n_series) < 0.2
    demand[fractional] *= rng.uniform(0.1, 2.5, (fractional.sum(), n_periods))
    return demand


@pytest.mark.parametrize("name", METHODS)
def test_random_intermittent_series_match_statsforecast(name):
    assert_matches_statsforecast(name, random_intermittent(seed=20260, n_series=400, n_periods=52))


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("n_periods", [1, 2, 3, 5, 104])
def test_series_of_any_length_match_statsforecast(name, n_periods):
    assert_matches_statsforecast(name, random_intermittent(seed=n_periods, n_series=60, n_periods=n_periods))


def edge_cases(n_periods: int) -> np.ndarray:
    rows = [np.zeros(n_periods) for _ in range(5)]
    rows[1][0] = 3.0  # a single demand at the start
    rows[2][-1] = 2.0  # a single demand at the end
    rows[3][:] = np.arange(1, n_periods + 1) % 4 + 1  # demand every period
    rows[4][:] = 7.0  # the same demand every period
    return np.array(rows)


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("n_periods", [1, 2, 3, 4, 12, 53])
def test_edge_cases_match_statsforecast(name, n_periods):
    assert_matches_statsforecast(name, edge_cases(n_periods))


@pytest.mark.parametrize("name", METHODS)
def test_all_zero_series_forecast_zero(name):
    ours, _ = METHODS[name]
    assert (ours(np.zeros((3, 20))) == 0).all()


def read_carparts() -> np.ndarray:
    with CARPARTS.open(newline="") as file:
        rows = list(csv.reader(file))[1:]
    return np.array([[float(cell) if cell.strip() else np.nan for cell in row[1:]] for row in rows])


@pytest.mark.skipif(not CARPARTS.exists(), reason=f"the carparts data set is not at {CARPARTS}")
@pytest.mark.parametrize("name", METHODS)
def test_carparts_sample_matches_statsforecast(name):
    demand = read_carparts()
    assert demand.shape == (2674, 51)
    rng = np.random.default_rng(7)
    with_gaps = np.flatnonzero(np.isnan(demand).any(axis=1))
    sample = np.union1d(rng.choice(demand.shape[0], size=400, replace=False), with_gaps[:40])
    # Rows that stop early (trailing NaN) are forecast from the months they have, like the trimmed series.
    assert_matches_statsforecast(name, demand[sample])


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("shape", [(0, 5), (3, 0), (0, 0)])
def test_no_products_or_no_periods_give_zero_forecasts(name, shape):
    ours, _ = METHODS[name]
    assert ours(np.zeros(shape)).tolist() == [0.0] * shape[0]


@pytest.mark.parametrize("name", METHODS)
def test_rows_are_forecast_independently_of_each_other(name):
    ours, _ = METHODS[name]
    demand = random_intermittent(seed=3, n_series=30, n_periods=40)
    together = ours(demand)
    alone = np.array([ours(row)[0] for row in demand])
    np.testing.assert_array_equal(together, alone)


@pytest.mark.parametrize("name", METHODS)
def test_missing_periods_at_either_end_are_outside_the_history(name):
    ours, _ = METHODS[name]
    history = np.array([0, 2, 0, 0, 1, 0, 3, 0, 0, 0], dtype=float)
    padded = np.concatenate([[np.nan] * 4, history, [np.nan] * 3])
    np.testing.assert_array_equal(ours(padded[None, :]), ours(history[None, :]))
    assert ours(np.full((2, 6), np.nan)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("demand", "message"),
    [
        ([[1.0, np.nan, 2.0]], "missing periods inside"),
        ([[1.0, -1.0, 2.0]], "not negative"),
        ([[1.0, np.inf]], "finite"),
        (np.zeros((2, 2, 2)), "2-D"),
    ],
)
def test_unusable_demand_is_refused_with_a_clear_message(demand, message):
    for ours, _ in METHODS.values():
        with pytest.raises(ValueError, match=message):
            ours(np.asarray(demand))


def test_smoothing_parameters_outside_zero_one_are_refused():
    with pytest.raises(ValueError, match="alpha_p"):
        forecast.tsb(np.ones((1, 3)), alpha_d=0.1, alpha_p=0.0)
    with pytest.raises(ValueError, match="alpha"):
        forecast.croston_sba(np.ones((1, 3)), alpha=1.5)


def test_tsb_fades_a_product_that_stopped_selling_while_sba_does_not():
    demand = np.array([[3, 0, 2, 0, 4, 0] + [0] * 30], dtype=float)
    early = np.array([[3, 0, 2, 0, 4, 0]], dtype=float)
    assert forecast.tsb(demand)[0] < 0.1 * forecast.tsb(early)[0]
    assert forecast.croston_sba(demand)[0] == pytest.approx(forecast.croston_sba(early)[0], rel=0.5)


@pytest.mark.parametrize("service_level", [0.5, 0.9, 0.98])
def test_lead_time_quantile_is_poisson_or_negative_binomial(service_level):
    mean = np.array([0.0, 0.02, 0.3, 1.0, 2.5, 12.0, 90.0])
    lead = 4.0
    poisson = forecast.lead_time_demand_quantile(mean, lead_periods=lead, service_level=service_level)
    np.testing.assert_array_equal(poisson, stats.poisson.ppf(service_level, mean * lead))

    ratio = np.array([1.0, 3.0, 1.5, 4.0, 2.0, 8.0, 1.2])
    lumpy = forecast.lead_time_demand_quantile(
        mean, lead_periods=lead, service_level=service_level, variance_to_mean=ratio
    )
    total = mean * lead
    shape = np.where(ratio > 1, total / np.maximum(ratio - 1, 1e-300), np.inf)
    expected = np.where(
        (ratio > 1) & (total > 0),
        stats.nbinom.ppf(service_level, np.where(np.isfinite(shape) & (shape > 0), shape, 1.0), 1 / ratio),
        stats.poisson.ppf(service_level, total),
    )
    np.testing.assert_array_equal(lumpy, expected)
    if service_level >= 0.9:  # lumps widen the upper tail (the median of a lumpy product can be lower)
        assert (lumpy >= poisson).all()


def test_variance_to_mean_is_at_least_one_and_grows_with_lumps():
    steady = np.array([[1, 1, 1, 1, 1, 1]], dtype=float)
    lumpy = np.array([[0, 0, 12, 0, 0, 0]], dtype=float)
    unknown = np.array([[np.nan, np.nan, np.nan, 0, 0, 0]])
    ratios = forecast.demand_variance_to_mean(np.vstack([steady, lumpy, unknown]))
    assert ratios.tolist()[0] == 1.0
    assert ratios[1] == pytest.approx(np.var([0, 0, 12, 0, 0, 0], ddof=1) / 2)
    assert ratios[2] == 1.0


@given(
    mean=st.lists(st.floats(0, 30), min_size=1, max_size=8),
    service_level=st.floats(0.01, 0.99),
    lead_periods=st.floats(0, 8),
    stock=st.integers(0, 50),
    capacity=st.integers(0, 6),
    ratio=st.floats(1, 10),
)
def test_pieces_to_start_never_exceed_capacity_nor_go_negative(
    mean, service_level, lead_periods, stock, capacity, ratio
):
    n = len(mean)
    start = forecast.pieces_to_start(
        mean_per_period=mean,
        lead_periods=lead_periods,
        service_level=service_level,
        on_hand=[stock] * n,
        pipeline=[1] * n,
        capacity=[capacity] * n,
        variance_to_mean=ratio,
    )
    assert ((start >= 0) & (start <= capacity)).all()
    target = forecast.lead_time_demand_quantile(
        mean, lead_periods=lead_periods, service_level=service_level, variance_to_mean=ratio
    )
    np.testing.assert_array_equal(start, np.clip(target - stock - 1, 0, capacity))


def test_pieces_to_start_fill_the_gap_to_the_quantile():
    # 1 piece a week on average, 4 weeks of lead time + 1 of review: Poisson(5) has its 90th percentile at 8.
    start = forecast.pieces_to_start(
        mean_per_period=[1.0, 1.0, 1.0],
        lead_periods=5,
        service_level=0.9,
        on_hand=[0, 3, 9],
        pipeline=[2, 2, 0],
        capacity=[10, 10, 10],
    )
    assert start.tolist() == [6, 3, 0]
