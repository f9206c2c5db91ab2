"""kill -9 during an HTTP sync (the hub's command, the centre's server) and a bundle import: nothing lost.

One trial of each kind of bench/sync_faults.py on real processes; the 200-trial run is the script itself:
`.venv/bin/python bench/sync_faults.py`. Marked `processes`: about 3 minutes on a busy 2-core machine (deselect
with `-m "not processes"`).
"""

import random

import pytest

from sambung.syncproof.tests.conftest import bench_module

pytestmark = pytest.mark.processes


def test_kill_9_at_random_points_loses_duplicates_and_half_applies_nothing(tmp_path):
    faults = bench_module("sync_faults")
    setup = faults.set_up(tmp_path, hub_events=700, centre_events=120, seed=3)
    rng = random.Random(3)
    trials = [
        faults.run_trial(setup, number, kind, rng) for number, kind in enumerate(faults.KINDS * 2, start=1)
    ]
    problems = [
        f"trial {t.number} ({t.kind}, kill at {t.delay:.2f} s): {p}" for t in trials for p in t.problems
    ]
    assert not problems, "\n".join(problems)
