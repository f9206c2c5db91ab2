"""A centre and two hubs, random work, random partitions, frames lost, reordered and duplicated: they converge.

Each node is its own process with its own SQLite file (conftest.py). Hypothesis draws a script of steps: work
at one node through the real domain writers (receive pieces and coffee, inspect, move selling rights, sell at a
hub's stall, order online and pay or cancel at the centre, record production: a maker's calendar, work
orders pledged, advanced, completed or cancelled), or a delivery of frames between a hub and the centre
in which frames may be lost (a partition cutting the exchange short), reordered and duplicated. DESIGN.md §4
items 1–3 are checked on every node that changed, after every step. At the end the partitions heal: full
exchanges, in order, until nothing is left; then every node holds the same state (item 4), nothing waits or is
in review, and delivering every frame once more changes nothing (replay, item 3).

Run time: max_examples=20 scripts of up to 24 steps, no shrinking: about 75 s on 2 cores, of which about 30 s build
the nodes once per session.
"""

import random

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sambung.syncproof.tests.world import CENTRE_ACTIONS, HUB_ACTIONS

pytestmark = pytest.mark.processes

HUB_NAMES = ("hub1", "hub2")

work = st.one_of(
    st.tuples(st.just("work"), st.just("centre"), st.sampled_from(CENTRE_ACTIONS), st.integers(0, 10**6)),
    st.tuples(
        st.just("work"), st.sampled_from(HUB_NAMES), st.sampled_from(HUB_ACTIONS), st.integers(0, 10**6)
    ),
)
delivery = st.tuples(
    st.just("deliver"),
    st.sampled_from(HUB_NAMES),
    st.sampled_from(["up", "down"]),  # hub → centre, centre → hub
    st.sampled_from(["all", "lose some", "reorder", "duplicate", "reorder and duplicate"]),
    st.integers(0, 10**6),
)
scripts = st.lists(st.one_of(work, work, delivery), min_size=3, max_size=24)


def deliver(nodes, sender: str, receiver: str, mode: str, seed: int) -> None:
    """Send what the sender has beyond its record of the receiver, the way `mode` says the link treats it."""
    rng = random.Random(seed)
    frames = nodes[sender].call("frames_for", peer=nodes[receiver].id)
    if mode == "lose some":
        frames = [frame for frame in frames if rng.random() < 0.5]
    if "duplicate" in mode:
        frames = frames + [frame for frame in frames if rng.random() < 0.5]
    if "reorder" in mode:
        rng.shuffle(frames)
    for frame in frames:
        answer = nodes[receiver].call("receive", frame=frame)
        assert "refused" not in answer, f"{receiver} refused a frame from {sender}: {answer['refused']}"
        assert not answer["review"], f"{receiver} put events from {sender} in review: {answer['review']}"


def full_exchange(nodes, hub: str) -> None:
    deliver(nodes, hub, "centre", "all", 0)
    deliver(nodes, "centre", hub, "all", 0)
    deliver(nodes, hub, "centre", "all", 0)  # the hub's acknowledgement of what it just received


def assert_invariants(nodes, name: str) -> None:
    problems = nodes[name].call("check")
    assert not problems, f"{name}: DESIGN.md §4 violated:\n" + "\n".join(problems)


@settings(
    max_examples=20,
    deadline=None,
    # No shrinking: each step is a round trip to a node process, and shrinking a failure took over 5 minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(script=scripts)
def test_nodes_converge_whatever_the_partitions_order_and_duplicates(nodes, script):
    nodes.reset()
    for step in script:
        if step[0] == "work":
            _, name, action, pick = step
            nodes[name].call("act", action=action, pick=pick)
            assert_invariants(nodes, name)
        else:
            _, hub, direction, mode, seed = step
            sender, receiver = (hub, "centre") if direction == "up" else ("centre", hub)
            deliver(nodes, sender, receiver, mode, seed)
            assert_invariants(nodes, receiver)
    # The partitions heal: every hub exchanges fully with the centre, twice (hub 1 then learns of hub 2's work).
    for _round in range(2):
        for hub in HUB_NAMES:
            full_exchange(nodes, hub)
    digests = {name: nodes[name].call("digest") for name in ("centre", *HUB_NAMES)}
    assert digests["hub1"] == digests["centre"] == digests["hub2"], "the nodes hold different state"
    for name in ("centre", *HUB_NAMES):
        assert_invariants(nodes, name)
        summary = nodes[name].call("summary")
        assert set(summary["events_by_state"]) <= {"applied"}, f"{name}: {summary['review']}"
        assert nodes[name].call("oversold") == 0
    # Replay: every frame again, from the very first event, changes nothing anywhere.
    for hub in HUB_NAMES:
        for sender, receiver in ((hub, "centre"), ("centre", hub)):
            for frame in nodes[sender].call("frames_for", peer=nodes[receiver].id, beyond={}):
                nodes[receiver].call("receive", frame=frame)
    assert {name: nodes[name].call("digest") for name in digests} == digests


def test_production_at_two_hubs_and_the_centre_converges(nodes):
    """Work orders recorded at each node where they are delivered, and one maker's calendar written by all
    three before they sync (the latest write wins everywhere): after a full exchange every node holds the same
    production rows, nothing is in review, and a replay changes nothing."""
    nodes.reset()
    # pick % 6 chooses the step (0 capacity, 1 a ceremony, 2 a pledge, 3 cancel, 4 complete, 5 next stage);
    # pick // 3 the maker (the first for picks 0-2); pick // 7 the open work order (the first for picks 0-6).
    script = [
        ("hub1", 0, "capacity of"),
        ("hub1", 2, "pledged"),
        ("hub1", 5, "stage 1 of"),
        ("centre", 0, "capacity of"),
        ("centre", 2, "pledged"),
        ("hub2", 0, "capacity of"),
        ("hub2", 1, "away from"),
        ("hub2", 2, "pledged"),
        ("hub2", 2, "pledged"),
        ("hub2", 3, "cancelled"),
        ("hub1", 4, "completed"),
        ("centre", 5, "stage 1 of"),
    ]
    for name, pick, expected in script:
        outcome = nodes[name].call("act", action="record_production", pick=pick)
        assert outcome.startswith(expected), f"{name}: {outcome}"
        assert_invariants(nodes, name)
    deliver(nodes, "hub2", "centre", "reorder and duplicate", 7)
    for _round in range(2):
        for hub in HUB_NAMES:
            full_exchange(nodes, hub)
    digests = {name: nodes[name].call("digest") for name in ("centre", *HUB_NAMES)}
    assert digests["hub1"] == digests["centre"] == digests["hub2"], "the nodes hold different production rows"
    for name in ("centre", *HUB_NAMES):
        summary = nodes[name].call("summary")
        assert summary["work_orders"] == 4, summary
        assert set(summary["events_by_state"]) <= {"applied"}, f"{name}: {summary['review']}"
        assert_invariants(nodes, name)
    for hub in HUB_NAMES:
        for sender, receiver in ((hub, "centre"), ("centre", hub)):
            for frame in nodes[sender].call("frames_for", peer=nodes[receiver].id, beyond={}):
                nodes[receiver].call("receive", frame=frame)
    assert {name: nodes[name].call("digest") for name in digests} == digests
