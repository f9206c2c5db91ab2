"""Three real nodes for the property and fault tests: a centre and two hubs, each a process with its own data.

The nodes are built once per test session with the real commands (migrate, enrol_hub against the centre under
gunicorn, sync) and saved; each hypothesis example puts the saved copies back (`reset`), which takes
milliseconds. Nothing here touches the test database pytest-django makes: each node has its own SQLite file.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HUBS = 2


def pytest_configure(config):
    config.addinivalue_line("markers", "processes: starts real Sambung processes (servers, kill -9); slower")


def bench_module(name: str):
    """Import a bench script (bench/ is not a package): the process runner and the fault trials live there."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    return __import__(name)


class Worker:
    """One node's process (sambung.syncproof.tests.nodeworker), called over its stdin and stdout."""

    def __init__(self, name: str, data_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.data_dir = data_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sambung.syncproof.tests.nodeworker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.id = self.call("node_id")

    def call(self, name: str, **args):
        self.process.stdin.write(json.dumps({"call": name, "args": args}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"node {self.name} died (exit {self.process.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"node {self.name}, {name}({args}):\n{answer['error']}")
        return answer["ok"]

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Nodes:
    def __init__(self, saved: Path, workers: dict[str, Worker]) -> None:
        self.saved = saved
        self.workers = workers

    def __getitem__(self, name: str) -> Worker:
        return self.workers[name]

    def reset(self) -> None:
        for name, worker in self.workers.items():
            worker.call("reset", template=str(self.saved / name))


def frames_bytes(frames: list[str]) -> list[bytes]:
    return [base64.b64decode(frame) for frame in frames]


@pytest.fixture(scope="session")
def nodes(tmp_path_factory):
    """A centre and two enrolled hubs with some stock and stall rights, all in sync, each in its own process."""
    sync = bench_module("sync")
    parent = tmp_path_factory.mktemp("nodes")
    base = sync.Node.create(parent, "base")
    sync.manage(base, "migrate", "--verbosity", "0")
    centre = base.copy_to(parent, "centre")
    hubs = [base.copy_to(parent, f"hub{i}") for i in range(1, HUBS + 1)]
    built = sync.run_django_step(centre, "build", {"hubs": HUBS})
    with sync.serve_centre(centre, workers=1) as server:
        for hub, row in zip(hubs, built["hubs"], strict=True):
            sync.manage(hub, "enrol_hub", "--centre", server.url, "--code", row["code"])
            sync.manage(hub, "sync", "--centre", server.url)
        for hub in hubs:
            sync.run_django_step(hub, "people", {"hubs": HUBS})
            # Stock at each hub before the examples start: a few pieces and coffee lots, inspected, and the
            # stall's rights to some of them, so every script can sell at a stall and online from the start.
            sync.run_django_step(hub, "seed", {"pieces": 4, "lots": 2})
            sync.manage(hub, "sync", "--centre", server.url)
        sync.run_django_step(centre, "rights", {})
        for hub in hubs:  # each hub learns of its rights and of the other hub's work through the centre
            sync.manage(hub, "sync", "--centre", server.url)
    saved = parent / "saved"
    for node in (centre, *hubs):
        (node.data_dir / "server.log").unlink(missing_ok=True)
        shutil.copytree(node.data_dir, saved / node.name)
    live = {
        node.name: sync.Node(node.name, parent / "live" / node.name, dict(node.env))
        for node in (centre, *hubs)
    }
    for name, node in live.items():
        shutil.copytree(saved / name, node.data_dir)
        node.env["SAMBUNG_DATA_DIR"] = str(node.data_dir)
    workers = {name: Worker(name, node.data_dir, node.env) for name, node in live.items()}
    try:
        yield Nodes(saved, workers)
    finally:
        for worker in workers.values():
            worker.stop()
