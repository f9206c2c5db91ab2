"""kill -9 at random points of a hub's HTTP sync, of the centre's server and of a bundle import: nothing lost.

Real processes on 127.0.0.1, each node with its own data directory. A hub and its centre start from the same
state before every trial: the hub holds a few frames' worth of new events (receipts, inspections, stall sales,
rights), the centre some of its own (rights, online orders, payments, cancellations). A trial is one of:

- sync-hub:    the hub's `manage.py sync` is killed with SIGKILL after a random delay;
- sync-centre: the centre's gunicorn (master and workers) is killed during the hub's sync, then restarted;
- bundle:      `manage.py import_bundle` of the hub's bundle is killed on the centre.

Right after the kill, the killed side is checked: every frame is applied whole or not at all (the events it holds
from the other node are a prefix ending on a frame boundary, and each applied stock move has its ledger row), and
DESIGN.md §4 items 1–3 hold. The exchange is then completed, and the trial checks that no event was lost or
duplicated (each origin's events 1..n once, the same ids on both nodes), none waits or is in review, both nodes
hold the same state (HTTP) and no unit was oversold. The tally is printed at the end.

Usage: .venv/bin/python bench/sync_faults.py [--trials 200] [--seed 7] [--hub-events 1200]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _demo import ROOT, BenchError, exit_cleanly_on_sigterm, progress, stop_process
from sync import Node, manage, prepare, run_and_kill, run_django_step, serve_centre, timed_sync

KINDS = ("sync-hub", "sync-centre", "bundle")
FRAME = 500  # events per full frame (sync/frames.py MAX_EVENTS)


@dataclass
class Setup:
    parent: Path
    hub: Node  # the state every trial starts from
    centre: Node
    hub_id: str
    centre_id: str
    bundle: Path  # the hub's bundle for the centre, made once from that state
    duration: dict[str, float] = field(default_factory=dict)  # seconds of an uninterrupted run, per kind


# Kills are drawn within 0.8 × an uninterrupted run: most trials die mid-way (a run is rarely faster than that).
KILL_WITHIN = 0.8


@dataclass
class Trial:
    number: int
    kind: str
    delay: float
    killed: bool = False
    problems: list[str] = field(default_factory=list)


def set_up(parent: Path, *, hub_events: int, centre_events: int, seed: int, stock: int = 60) -> Setup:
    world = prepare(parent, seed=seed, pieces=stock, lots=stock)
    progress(f"pending work: {hub_events} events at the hub, {centre_events} at the centre")
    run_django_step(world.hub, "simulate", {"events": hub_events, "seed": seed})
    run_django_step(world.centre, "simulate", {"events": centre_events, "seed": seed + 1})
    hub_id = run_django_step(world.hub, "node_id")["node"]
    centre_id = run_django_step(world.centre, "node_id")["node"]
    bundle = parent / "hub-for-centre.sambung"
    manage(world.hub, "export_bundle", str(bundle))
    setup = Setup(parent, world.hub, world.centre, hub_id, centre_id, bundle)
    # One uninterrupted run of each kind sets the range of the random kill delays.
    hub, centre = copy_pair(setup, "calibrate")
    with serve_centre(centre) as server:
        setup.duration["sync-hub"] = setup.duration["sync-centre"] = timed_sync(hub, server.url).seconds
    hub, centre = copy_pair(setup, "calibrate-bundle")
    started = time.monotonic()
    manage(centre, "import_bundle", str(bundle))
    setup.duration["bundle"] = time.monotonic() - started
    for name in ("calibrate", "calibrate-bundle"):
        shutil.rmtree(parent / name)
    return setup


def copy_pair(setup: Setup, name: str) -> tuple[Node, Node]:
    where = setup.parent / name
    where.mkdir()
    return setup.hub.copy_to(where), setup.centre.copy_to(where)


def frame_whole(node: Node, other: str, start: int, total: int, writer: Node) -> list[str]:
    """Check a node right after a kill: its events from `other` stop on a frame boundary; §4 items 1–3 hold.

    `start`: how many of other's events the node held before the exchange; `total`: how many other had written
    then. An exchange can make `other` write more (a hub answers the cancellations it pulled, and pushes the
    answers in a second round, whose frames start at `total`): `writer`, the other node after the kill, says
    how many it holds now.
    """
    problems = []
    checked = run_django_step(node, "audit")
    held = sorted(seq for origin, seq, *_ in checked["events"] if origin == other)
    now = sum(1 for origin, *_ in run_django_step(writer, "events")["events"] if origin == other)
    on_boundary = (
        not (len(held) - start) % FRAME
        or (len(held) >= total and not (len(held) - total) % FRAME)
        or len(held) == now
    )
    if held != list(range(1, len(held) + 1)):
        problems.append(
            f"holds events of {other[:8]} with gaps: {len(held)} events, last {held[-1] if held else 0}"
        )
    elif not on_boundary:
        problems.append(
            f"half-applied frame: holds {len(held)} of {now} events of {other[:8]}, not a frame boundary"
        )
    problems += [f"after the kill: {p}" for p in checked["problems"]]
    if checked["oversold"]:
        problems.append(f"after the kill: {checked['oversold']} units oversold")
    return problems


def complete(hub: Node, centre: Node, setup: Setup, *, http: bool) -> list[str]:
    """Check a finished exchange: each origin's events once, same ids on both nodes, all applied, same state."""
    problems = []
    audits = {"hub": run_django_step(hub, "audit"), "centre": run_django_step(centre, "audit")}
    hub_events = {(o, s): (i, state) for o, s, i, _k, state in audits["hub"]["events"]}
    centre_events = {(o, s): (i, state) for o, s, i, _k, state in audits["centre"]["events"]}
    origins = [setup.hub_id] + ([setup.centre_id] if http else [])
    for origin in origins:
        source, target = (
            (hub_events, centre_events) if origin == setup.hub_id else (centre_events, hub_events)
        )
        sent = {key: value for key, value in source.items() if key[0] == origin}
        got = {key: value for key, value in target.items() if key[0] == origin}
        lost = set(sent) - set(got)
        if lost:
            problems.append(f"lost {len(lost)} events of {origin[:8]}")
        wrong = [key for key in set(sent) & set(got) if sent[key][0] != got[key][0]]
        if wrong:
            problems.append(f"{len(wrong)} events of {origin[:8]} arrived under another id")
    # Duplicates: (origin, seq) is unique by constraint, so a duplicate would show as one event id held twice.
    for name, events in (("hub", hub_events), ("centre", centre_events)):
        ids = Counter(event_id for event_id, _state in events.values())
        duplicated = [i for i, n in ids.items() if n > 1]
        if duplicated:
            problems.append(f"{name} holds {len(duplicated)} events twice")
        stuck = Counter(state for _id, state in events.values() if state != "applied")
        if stuck:
            problems.append(f"{name}: events not applied: {dict(stuck)}")
    for name, checked in audits.items():
        problems += [f"{name}: {p}" for p in checked["problems"]]
        if checked["oversold"]:
            problems.append(f"{name}: {checked['oversold']} units oversold")
    if http and audits["hub"]["digest"] != audits["centre"]["digest"]:
        problems.append("the hub and the centre hold different state after the exchange")
    return problems


def run_trial(setup: Setup, number: int, kind: str, rng: random.Random) -> Trial:
    delay = rng.uniform(0, setup.duration[kind] * KILL_WITHIN)
    trial = Trial(number, kind, delay)
    hub, centre = copy_pair(setup, f"trial-{number}")
    try:
        if kind == "bundle":
            command = [sys.executable, "manage.py", "import_bundle", str(setup.bundle)]
            outcome = run_and_kill(command, centre.env, delay)
            trial.killed = outcome.was_killed
            if trial.killed:
                trial.problems += frame_whole(centre, setup.hub_id, *counts(setup, "hub"), hub)
            manage(centre, "import_bundle", str(setup.bundle))
            trial.problems += complete(hub, centre, setup, http=False)
        elif kind == "sync-hub":
            with serve_centre(centre) as server:
                command = [sys.executable, "manage.py", "sync", "--centre", server.url]
                outcome = run_and_kill(command, hub.env, delay)
                trial.killed = outcome.was_killed
            if trial.killed:
                trial.problems += frame_whole(centre, setup.hub_id, *counts(setup, "hub"), hub)
                trial.problems += frame_whole(hub, setup.centre_id, *counts(setup, "centre"), centre)
            with serve_centre(centre) as server:
                manage(hub, "sync", "--centre", server.url)
            trial.problems += complete(hub, centre, setup, http=True)
        else:
            with serve_centre(centre) as server:
                sync = subprocess.Popen(
                    [sys.executable, "manage.py", "sync", "--centre", server.url],
                    cwd=ROOT,
                    env=hub.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    sync.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    trial.killed = True
                    os.killpg(server.process.pid, signal.SIGKILL)  # the centre dies mid-request: kill -9
                sync.wait(timeout=120)
                stop_process(server.process)
            if trial.killed:
                trial.problems += frame_whole(centre, setup.hub_id, *counts(setup, "hub"), hub)
                trial.problems += frame_whole(hub, setup.centre_id, *counts(setup, "centre"), centre)
            with serve_centre(centre) as server:
                manage(hub, "sync", "--centre", server.url)
            trial.problems += complete(hub, centre, setup, http=True)
    except BenchError as exc:
        trial.problems.append(f"could not complete the exchange: {str(exc).splitlines()[0]}")
    finally:
        shutil.rmtree(setup.parent / f"trial-{number}", ignore_errors=True)
    return trial


_totals: dict[tuple[str, str], int] = {}


def held(node: Node, origin: str) -> int:
    """How many of origin's events the node holds in the starting state (read once)."""
    key = (str(node.data_dir), origin)
    if key not in _totals:
        _totals[key] = sum(1 for o, *_ in run_django_step(node, "events")["events"] if o == origin)
    return _totals[key]


def counts(setup: Setup, writer: str) -> tuple[int, int]:
    """(events of the writer the other node held before the exchange, events the writer holds of its own)."""
    if writer == "hub":
        return held(setup.centre, setup.hub_id), held(setup.hub, setup.hub_id)
    return held(setup.hub, setup.centre_id), held(setup.centre, setup.centre_id)


def print_tally(trials: Sequence[Trial], setup: Setup) -> None:
    print("\nkill -9 trials (real processes on 127.0.0.1):")
    print(f"  uninterrupted: sync {setup.duration['sync-hub']:.1f} s, bundle import {setup.duration['bundle']:.1f} s; "
          f"kill delays drawn uniformly from 0 to {KILL_WITHIN} × those")  # fmt: skip
    header = (
        f"  {'kind':<12} {'trials':>6} {'killed mid-way':>15} {'finished first':>15} {'with problems':>14}"
    )
    print(header)
    for kind in KINDS:
        mine = [t for t in trials if t.kind == kind]
        killed = sum(t.killed for t in mine)
        bad = sum(bool(t.problems) for t in mine)
        print(f"  {kind:<12} {len(mine):>6} {killed:>15} {len(mine) - killed:>15} {bad:>14}")
    problems = Counter(p.split(":")[0] if ":" in p else p for t in trials for p in t.problems)
    lost = sum("lost" in p for t in trials for p in t.problems)
    duplicated = sum("twice" in p for t in trials for p in t.problems)
    half = sum("half-applied" in p or "gaps" in p for t in trials for p in t.problems)
    oversold = sum("oversold" in p for t in trials for p in t.problems)
    print(f"  events lost: {lost} trials; duplicated: {duplicated}; half-applied frames: {half}; "
          f"trials with units oversold: {oversold}")  # fmt: skip
    if problems:
        print("  problems:")
        for trial in trials:
            for problem in trial.problems[:3]:
                print(f"    trial {trial.number} ({trial.kind}, kill at {trial.delay:.2f} s): {problem}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--trials", type=int, default=200, help="trials, spread over the three kinds (default 200)"
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="seed of the work and of the kill delays (default 7)"
    )
    parser.add_argument(
        "--hub-events", type=int, default=1200, help="events pending at the hub (default 1200)"
    )
    parser.add_argument(
        "--centre-events", type=int, default=300, help="events pending at the centre (default 300)"
    )
    parser.add_argument("--only", choices=KINDS, help="run one kind of trial only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    exit_cleanly_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)
    started = time.monotonic()
    rng = random.Random(args.seed)
    kinds = [args.only] if args.only else list(KINDS)
    parent = Path(tempfile.mkdtemp(prefix="sambung-bench-faults-"))
    trials: list[Trial] = []
    try:
        setup = set_up(parent, hub_events=args.hub_events, centre_events=args.centre_events, seed=args.seed)
        for number in range(1, args.trials + 1):
            kind = kinds[(number - 1) % len(kinds)]
            trial = run_trial(setup, number, kind, rng)
            trials.append(trial)
            progress(
                f"trial {number}/{args.trials} {kind}: kill at {trial.delay:.2f} s, "
                f"{'killed' if trial.killed else 'finished first'}, {len(trial.problems)} problems"
            )
    except BenchError as exc:
        print(f"\nbench/sync_faults.py failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if not trials:
            return 130
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    print_tally(trials, setup)
    bad = sum(bool(t.problems) for t in trials)
    print(f"\nverdict: {'nothing lost, duplicated, half-applied or oversold' if not bad else f'{bad} trials with PROBLEMS'}"
          f" in {len(trials)} trials (whole run: {time.monotonic() - started:.0f} s)")  # fmt: skip
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
