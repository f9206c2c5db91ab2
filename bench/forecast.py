"""Time SBA and TSB on 10,000 series × 104 weeks: Sambung's numpy forecasts against statsforecast, one run.

statsforecast is measured two ways: its StatsForecast class (a long DataFrame in, n_jobs=1) and its model
classes called once per series on a numpy array (no DataFrame). Imports and a first warm-up call are timed
apart and reported, not counted. Each timing is the best of --repeats runs. The largest absolute difference
between Sambung's forecasts and each statsforecast path is printed as a check (target: ≤ 1e-9).
Usage: .venv/bin/python bench/forecast.py [--series 10000] [--periods 104] [--repeats 3] [--seed 5]
Needs the dev extra (statsforecast, a test-only dependency): pip install -e '.[dev]'.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from _demo import ROOT, format_table, progress

sys.path.insert(0, str(ROOT))

TSB_ALPHA_D = 0.1
TSB_ALPHA_P = 0.1


def make_demand(np: Any, *, series: int, periods: int, seed: int) -> Any:
    """Return weekly intermittent demand: per-series demand probability 2–60 %, sizes 1–8, rare lumps."""
    rng = np.random.default_rng(seed)
    occurs = rng.random((series, periods)) < rng.uniform(0.02, 0.6, (series, 1))
    sizes = 1.0 + rng.poisson(rng.uniform(0.2, 3.0, (series, 1)), (series, periods))
    lumps = np.where(rng.random((series, periods)) < 0.03, rng.integers(4, 13, (series, periods)), 0)
    return occurs * (sizes + lumps)


def best_of(repeats: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """Return the fastest wall time of `repeats` runs and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=104)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if args.series < 1 or args.periods < 1 or args.repeats < 1:
        parser.error("--series, --periods and --repeats must be at least 1")

    load_before = os.getloadavg()[0]  # other work on the machine slows every column alike
    warmups: list[tuple[str, float]] = []
    start = time.perf_counter()
    import numpy as np

    from sambung.production import forecast

    warmups.append(("import numpy + sambung.production.forecast", time.perf_counter() - start))
    start = time.perf_counter()
    try:
        import pandas as pd
        import statsforecast
        from statsforecast import StatsForecast
        from statsforecast.models import TSB, CrostonSBA
    except ImportError:
        sys.exit("statsforecast is missing: it is a dev dependency, install it with pip install -e '.[dev]'")
    warmups.append(("import statsforecast + pandas", time.perf_counter() - start))

    demand = make_demand(np, series=args.series, periods=args.periods, seed=args.seed)
    ids = np.repeat(np.arange(args.series), args.periods)
    frame = pd.DataFrame(
        {"unique_id": ids, "ds": np.tile(np.arange(args.periods), args.series), "y": demand.ravel()}
    )

    methods: dict[str, dict[str, Any]] = {
        "SBA": {
            "sambung": lambda: forecast.croston_sba(demand),
            "model": CrostonSBA,
            "column": "CrostonSBA",
        },
        "TSB": {
            "sambung": lambda: forecast.tsb(demand, alpha_d=TSB_ALPHA_D, alpha_p=TSB_ALPHA_P),
            "model": lambda: TSB(alpha_d=TSB_ALPHA_D, alpha_p=TSB_ALPHA_P),
            "column": "TSB",
        },
    }

    def per_series(make_model: Callable[[], Any]) -> Any:
        return np.array([make_model().forecast(y=row, h=1)["mean"][0] for row in demand])

    def with_class(make_model: Callable[[], Any], column: str) -> Any:
        result = StatsForecast(models=[make_model()], freq=1, n_jobs=1).forecast(df=frame, h=1)
        result = result.sort_values("unique_id")
        assert (result["unique_id"].to_numpy() == np.arange(args.series)).all()
        return result[column].to_numpy()

    # Warm-up on a few series: first calls pay for lazy imports and caches in both libraries.
    small = demand[:50]
    for name, spec in methods.items():
        start = time.perf_counter()
        spec["model"]().forecast(y=small[0], h=1)
        StatsForecast(models=[spec["model"]()], freq=1, n_jobs=1).forecast(
            df=frame.iloc[: 50 * args.periods], h=1
        )
        warmups.append((f"statsforecast first {name} calls (50 series)", time.perf_counter() - start))
        start = time.perf_counter()
        forecast.croston_sba(small) if name == "SBA" else forecast.tsb(small)
        warmups.append((f"sambung first {name} call (50 series)", time.perf_counter() - start))

    rows = []
    checks = []
    for name, spec in methods.items():
        progress(f"{name}: sambung")
        ours_s, ours = best_of(args.repeats, spec["sambung"])
        progress(f"{name}: statsforecast StatsForecast(n_jobs=1)")
        class_s, by_class = best_of(args.repeats, lambda spec=spec: with_class(spec["model"], spec["column"]))
        progress(f"{name}: statsforecast model per series")
        loop_s, by_loop = best_of(args.repeats, lambda spec=spec: per_series(spec["model"]))
        rows.append(
            [
                name,
                f"{ours_s * 1000:,.1f}",
                f"{class_s * 1000:,.0f}",
                f"{loop_s * 1000:,.0f}",
                f"{class_s / ours_s:,.0f}×",
                f"{loop_s / ours_s:,.0f}×",
            ]
        )
        checks.append(
            [
                name,
                f"{np.abs(ours - by_class).max():.1e}",
                f"{np.abs(ours - by_loop).max():.1e}",
                f"{np.abs(by_class - by_loop).max():.1e}",
                f"{ours.mean():.4f}",
            ]
        )

    print(
        f"Forecast {args.series:,} series × {args.periods} periods, one-step flat forecast (h=1), seed {args.seed}; "
        f"{(demand == 0).mean():.0%} zeros"
    )
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, statsforecast {statsforecast.__version__}, "
        f"pandas {pd.__version__}; {os.cpu_count()} CPUs, load average {load_before:.1f} before the run; "
        f"best of {args.repeats} runs, wall time in ms"
    )
    print(
        f"TSB alpha_d={TSB_ALPHA_D}, alpha_p={TSB_ALPHA_P}; SBA alpha 0.1 for sizes and intervals (statsforecast's)"
    )
    print()
    print(
        format_table(
            [
                "method",
                "sambung numpy",
                "StatsForecast(n_jobs=1)",
                "model per series",
                "vs StatsForecast",
                "vs per series",
            ],
            rows,
            [False, True, True, True, True, True],
        )
    )
    print()
    print("Check: max |difference| between forecasts")
    print(
        format_table(
            [
                "method",
                "sambung vs StatsForecast",
                "sambung vs per series",
                "the two statsforecast paths",
                "mean",
            ],
            checks,
            [False, True, True, True, True],
        )
    )
    print()
    print("Not counted above (one-off costs):")
    print(format_table(["step", "s"], [[step, f"{seconds:.2f}"] for step, seconds in warmups], [False, True]))
    print(
        f"The long DataFrame for StatsForecast ({len(frame):,} rows) is built once, outside the timings; "
        "StatsForecast's own grouping and sorting of it is inside."
    )


if __name__ == "__main__":
    main()
