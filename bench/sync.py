"""Sync between a cooperative's centre and a village hub, measured on real processes over HTTP.

From one run:

1. bytes per event of Sambung frames (msgpack + zstd, Ed25519-signed) against gzip'd JSON lines of the same
   events, in batches of 1, 10, 100 and 1,000 events (target: ≤ 0.9× at ≥ 100);
2. the fixed cost of an exchange with nothing to send: request and response bytes with their HTTP headers
   (target: ≤ 2 KB), and its time;
3. the time to converge a month of hub activity (about 3,000 events: receipts, inspections, stall sales, rights
   moves, online orders) between a centre (gunicorn) and a hub (`manage.py sync`), each with its own data
   directory, over loopback and over an emulated 400 kbit/s link with 400 ms of round-trip delay.

Usage: .venv/bin/python bench/sync.py [--events 3000] [--seed 6] [--link auto|netns|proxy]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _demo import (
    ROOT,
    BenchError,
    exit_cleanly_on_sigterm,
    format_table,
    gunicorn_command,
    production_env,
    progress,
    stop_process,
    tail,
)

IP, TC = "/usr/sbin/ip", "/usr/sbin/tc"
SLOW_RATE_BITS = 400_000  # 400 kbit/s each way (DESIGN.md §7)
SLOW_RTT = 0.4  # seconds of round-trip delay: 200 ms each way
BATCH_SIZES = (1, 10, 100, 1000)
STEP_MARKER = "SYNC-BENCH-JSON "
MANAGE_TIMEOUT = 600
START_TIMEOUT = 60
# Kolibri's sync engine, as quoted in issue 6 (measured there, not by this script).
MORANGO = {
    "bytes per record against gzip'd JSON": "about 1.5×",
    "fixed cost per exchange": "18–33 KB",
    "time per sync with nothing to send": "at least 4 s",
}


# ---- processes: nodes, each with its own data directory --------------------------------------------------


@dataclass
class Node:
    """One Sambung installation: a data directory (SQLite file, key pair, media) and its environment."""

    name: str
    data_dir: Path
    env: dict[str, str] = field(repr=False)

    @classmethod
    def create(cls, parent: Path, name: str) -> Node:
        data_dir = parent / name
        data_dir.mkdir(parents=True, exist_ok=True)
        env = production_env(data_dir, "")
        # A throw-away centre reached at 127.0.0.1 or at its network namespace's address.
        env["ALLOWED_HOSTS"] = "*"
        return cls(name, data_dir, env)

    @property
    def database(self) -> Path:
        return self.data_dir / "sambung.sqlite3"

    def copy_to(self, parent: Path, name: str | None = None) -> Node:
        """Copy this node's whole data directory (its processes must be stopped); return the copy."""
        name = name or self.name
        target = parent / name
        shutil.copytree(self.data_dir, target)
        env = dict(self.env, SAMBUNG_DATA_DIR=str(target))
        return Node(name, target, env)


def manage(
    node: Node, *args: str, timeout: float = MANAGE_TIMEOUT, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `manage.py <args>` as its own process with the node's environment; return its result."""
    command = [sys.executable, "manage.py", *args]
    try:
        result = subprocess.run(
            command, cwd=ROOT, env=node.env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise BenchError(
            f"{node.name}: manage.py {' '.join(args)} took longer than {timeout:.0f} s"
        ) from None
    if check and result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise BenchError(f"{node.name}: manage.py {' '.join(args)} exited {result.returncode}:\n{output}")
    return result


@dataclass(frozen=True)
class Killed:
    """What became of a process killed with SIGKILL after `delay` seconds (or that finished before)."""

    delay: float
    was_killed: bool
    returncode: int
    output: str


def run_and_kill(command: Sequence[str], env: dict[str, str], delay: float, *, cwd: Path = ROOT) -> Killed:
    """Start a process, and `kill -9` it (its whole session) after `delay` seconds unless it ended first."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(timeout=delay)
            was_killed = False
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            was_killed = True
        output.seek(0)
        text = output.read().decode(errors="replace")
    return Killed(delay, was_killed, process.returncode, text)


def run_django_step(
    node: Node, step: str, payload: dict | None = None, *, timeout: float = MANAGE_TIMEOUT
) -> dict:
    """Run one Django-side step of this file in a child process with the node's environment; return its JSON."""
    command = [sys.executable, str(Path(__file__).resolve()), "--django-step", step]
    try:
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=node.env,
            input=json.dumps(payload or {}),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{node.name}: the {step} step took longer than {timeout:.0f} s") from None
    line = next((x for x in result.stdout.splitlines() if x.startswith(STEP_MARKER)), None)
    if result.returncode != 0 or line is None:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise BenchError(f"{node.name}: the {step} step failed:\n{output}")
    return json.loads(line[len(STEP_MARKER) :])


# ---- the centre's server ----------------------------------------------------------------------------------


@dataclass
class Centre:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_http(
    host: str, port: int, process: subprocess.Popen[bytes], log_path: Path, *, prefix=()
) -> None:
    """Wait until something answers HTTP on host:port (any status: the server is up)."""
    deadline = time.monotonic() + START_TIMEOUT
    probe = [sys.executable, "-c", PROBE_HTTP, host, str(port)]
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the centre's server exited with {process.returncode}:\n{tail(log_path)}")
        # Through `ip netns exec` when the server lives in a namespace: run the probe where the server is.
        if subprocess.run([*prefix, *probe], capture_output=True, timeout=10).returncode == 0:
            return
        time.sleep(0.2)
    raise BenchError(
        f"the centre did not answer on {host}:{port} within {START_TIMEOUT} s:\n{tail(log_path)}"
    )


PROBE_HTTP = """
import http.client, sys
for method, path in (("GET", "/robots.txt"), ("POST", "/sync/v1/push"), ("POST", "/sync/v1/pull")):
    connection = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
    connection.request(method, path, body=b"" if method == "POST" else None)
    connection.getresponse().read()
    connection.close()
"""  # the two POSTs (refused: no frame) warm up both workers' sync views before anything is timed


@contextlib.contextmanager
def serve_centre(
    node: Node, *, host: str = "127.0.0.1", prefix: Sequence[str] = (), workers: int = 2
) -> Iterator[Centre]:
    """Run the centre under gunicorn (2 sync workers) on host:<free port> until the block ends."""
    port = free_port("127.0.0.1") if not prefix else 8000
    command = [*prefix, *gunicorn_command(workers)]
    command[command.index("127.0.0.1:0")] = f"{host}:{port}"
    log_path = node.data_dir / "server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=node.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(host, port, process, log_path, prefix=prefix)
        yield Centre(f"http://{host}:{port}", process, log_path, port)
    except Exception:
        progress(f"centre server log ({log_path}), last lines:\n{tail(log_path)}")
        raise
    finally:
        stop_process(process)


# ---- the slow link: a network namespace with netem, or a throttling proxy ---------------------------------


class LinkUnavailable(RuntimeError):
    pass


class NetnsLink:
    """A network namespace for the centre, joined by a veth pair with `tc netem` (delay + rate) on both ends.

    The hub stays in this namespace and reaches the centre at 10.201.<n>.2; each direction gets half the
    round-trip delay and the full rate. Needs root and a kernel with sch_netem.
    """

    kind = "network namespace + veth + tc netem"

    def __init__(self, *, rate_bits: int = SLOW_RATE_BITS, rtt: float = SLOW_RTT) -> None:
        pid = os.getpid()
        self.namespace = f"sambung-sync-{pid}"
        self.outer, self.inner = f"sbs{pid}a", f"sbs{pid}b"
        subnet = f"10.201.{pid % 250}"
        self.outer_address, self.inner_address = f"{subnet}.1", f"{subnet}.2"
        self.netem = ["netem", "delay", f"{round(rtt * 500)}ms", "rate", f"{rate_bits // 1000}kbit"]
        self.created: list[str] = []

    @property
    def prefix(self) -> list[str]:
        return [IP, "netns", "exec", self.namespace]

    @property
    def centre_host(self) -> str:
        return self.inner_address

    def _run(self, *command: str) -> None:
        result = subprocess.run(list(command), capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise LinkUnavailable(f"`{' '.join(command)}` failed: {(result.stderr or result.stdout).strip()}")

    def __enter__(self) -> NetnsLink:
        if os.geteuid() != 0:
            raise LinkUnavailable("not root: a network namespace needs CAP_NET_ADMIN")
        if not (os.path.exists(IP) and os.path.exists(TC)):
            raise LinkUnavailable(f"{IP} or {TC} is missing")
        try:
            self._run(IP, "netns", "add", self.namespace)
            self.created.append("netns")
            self._run(IP, "link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
            self.created.append("veth")
            self._run(IP, "link", "set", self.inner, "netns", self.namespace)
            self._run(IP, "addr", "add", f"{self.outer_address}/24", "dev", self.outer)
            self._run(IP, "link", "set", self.outer, "up")
            self._run(*self.prefix, IP, "addr", "add", f"{self.inner_address}/24", "dev", self.inner)
            self._run(*self.prefix, IP, "link", "set", self.inner, "up")
            self._run(*self.prefix, IP, "link", "set", "lo", "up")
            self._run(TC, "qdisc", "add", "dev", self.outer, "root", *self.netem)
            self._run(*self.prefix, TC, "qdisc", "add", "dev", self.inner, "root", *self.netem)
        except (LinkUnavailable, OSError, subprocess.TimeoutExpired) as exc:
            self.__exit__(None, None, None)
            raise LinkUnavailable(str(exc)) from None
        return self

    def __exit__(self, *exc_info) -> None:
        if "veth" in self.created:
            subprocess.run([IP, "link", "del", self.outer], capture_output=True, timeout=30)
        if "netns" in self.created:
            subprocess.run([IP, "netns", "del", self.namespace], capture_output=True, timeout=30)
        self.created.clear()

    def describe(self) -> str:
        return f"{self.kind}: {' '.join(self.netem[1:])} on both ends (round trip {SLOW_RTT * 1000:.0f} ms)"


class ThrottlingProxy:
    """A TCP proxy on 127.0.0.1 that counts bytes and, if asked, plays a slow link.

    Each direction is one link: a chunk is serialized at `rate_bits` (a token bucket holding one 1,460-byte
    segment), then delivered half a round trip later, in order. Every new connection first waits one round trip,
    for its TCP handshake. Not modelled: TCP slow start, losses, and TCP/IP header bytes (the counts are TCP
    payload: HTTP headers and bodies).
    """

    kind = "throttling TCP proxy on 127.0.0.1 (asyncio)"
    SEGMENT = 1460

    def __init__(self, upstream: tuple[str, int], *, rate_bits: int | None = None, rtt: float = 0.0) -> None:
        self.upstream = upstream
        self.bytes_per_second = rate_bits / 8 if rate_bits else None
        self.one_way = rtt / 2
        self.port = 0
        self.sent = {"up": 0, "down": 0}
        self.connections = 0
        self._link_free = {"up": 0.0, "down": 0.0}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def describe(self) -> str:
        if self.bytes_per_second is None:
            return "counting TCP proxy on 127.0.0.1"
        return (
            f"{self.kind}: {self.bytes_per_second * 8 / 1000:.0f} kbit/s each way, "
            f"{self.one_way * 1000:.0f} ms each way (round trip {self.one_way * 2000:.0f} ms)"
        )

    def reset_counts(self) -> None:
        self.sent = {"up": 0, "down": 0}
        self.connections = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThrottlingProxy:
        self._thread = threading.Thread(target=self._run, name="throttling-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or not self.port:
            raise BenchError("the throttling proxy did not start")
        return self

    def __exit__(self, *exc_info) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _handle(self, client_reader, client_writer) -> None:
        self.connections += 1
        loop = asyncio.get_running_loop()
        opened = loop.time()
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        ready_at = opened + 2 * self.one_way  # SYN, SYN-ACK: one round trip before the first byte leaves
        try:
            await asyncio.gather(
                self._pipe(client_reader, server_writer, "up", ready_at),
                self._pipe(server_reader, client_writer, "down", ready_at),
            )
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            for writer in (client_writer, server_writer):
                writer.close()

    async def _pipe(self, reader, writer, direction: str, ready_at: float) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not data:
                    with contextlib.suppress(OSError, RuntimeError):
                        if writer.can_write_eof():
                            writer.write_eof()
                    return
                writer.write(data)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()

        delivering = asyncio.create_task(deliver())
        try:
            while True:
                try:
                    data = await reader.read(65536)
                except ConnectionError:
                    data = b""
                now = max(loop.time(), ready_at)
                if not data:
                    queue.put_nowait((max(now, self._link_free[direction]) + self.one_way, b""))
                    break
                self.sent[direction] += len(data)
                for start in range(0, len(data), self.SEGMENT):
                    segment = data[start : start + self.SEGMENT]
                    if self.bytes_per_second is None:
                        queue.put_nowait((now + self.one_way, segment))
                        continue
                    begins = max(now, self._link_free[direction])
                    self._link_free[direction] = begins + len(segment) / self.bytes_per_second
                    queue.put_nowait((self._link_free[direction] + self.one_way, segment))
            await delivering
        except ConnectionError:
            delivering.cancel()


# ---- the baseline: gzip'd JSON lines ----------------------------------------------------------------------


def json_lines(events: Sequence[dict]) -> bytes:
    """The same events as compact JSON, one per line: what a plain JSON sync API would send."""
    return b"".join(
        json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode() + b"\n" for event in events
    )


def gzip_json_lines(events: Sequence[dict]) -> int:
    """Bytes of the events as gzip'd JSON lines (level 6, the usual HTTP server setting)."""
    return len(gzip.compress(json_lines(events), compresslevel=6, mtime=0))


# ---- Django side: steps run in a node's own process -------------------------------------------------------


def django_step(step: str) -> int:
    """Entry point of a child process: set Django up, read the payload on stdin, print the result."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from sambung.syncproof.tests import world

    payload = json.loads(sys.stdin.read() or "{}")
    steps = {
        "build": world.build_cooperative,
        "people": world.add_people,
        "seed": world.seed_stock,
        "rights": world.give_rights,
        "simulate": world.simulate,
        "summary": world.summary,
        "check": lambda: {"problems": world.check_invariants(), "oversold": world.units_oversold()},
        "digest": lambda: {"digest": world.state_digest()},
        "events": lambda: {"events": world.held_events()},
        "audit": lambda: {
            "events": world.held_events(),
            "problems": world.check_invariants(),
            "oversold": world.units_oversold(),
            "digest": world.state_digest(),
        },
        "frame_sizes": frame_sizes,
        "node_id": lambda: {"node": str(__import__("sambung.sync.node").sync.node.this_node().pk)},
    }
    print(STEP_MARKER + json.dumps(steps[step](**payload), default=str))
    return 0


def frame_sizes(*, origin: str, last: int, batch_sizes: Sequence[int] = BATCH_SIZES) -> dict:
    """Encode the origin's last `last` events in batches with the real frame encoder and as gzip'd JSON lines."""
    from sambung.sync.frames import MAX_EVENTS, WireEvent, encode_frame
    from sambung.sync.models import Event
    from sambung.sync.node import private_key, this_node
    from sambung.syncproof.tests import world

    rows = list(Event.objects.filter(origin=origin).order_by("-seq")[:last])[::-1]
    as_json = {e["id"]: e for e in world.wire_events(origin=origin)}
    key, me = private_key(), this_node().pk
    result = {}
    for size in batch_sizes:
        sambung_bytes = gzip_bytes = plain_bytes = batches = 0
        for start in range(0, len(rows) - size + 1, size):  # whole batches only
            batch = rows[start : start + size]
            batches += 1
            for first in range(0, len(batch), MAX_EVENTS):  # a batch of 1,000 travels as two frames
                part = batch[first : first + MAX_EVENTS]
                wire = [
                    WireEvent(e.id, e.origin, e.seq, e.kind, e.payload, int(e.occurred_at.timestamp() * 1000),
                              e.cooperative_id)
                    for e in part
                ]  # fmt: skip
                sambung_bytes += len(
                    encode_frame(sender=me, key=key, events=wire, ranges=[(e.origin, part[0].seq, part[-1].seq)
                                 for e in part[:1]], vector={e.origin: part[-1].seq for e in part[:1]})
                )  # fmt: skip
            lines = [as_json[str(e.id)] for e in batch]
            gzip_bytes += gzip_json_lines(lines)
            plain_bytes += len(json_lines(lines))
        result[str(size)] = {
            "batches": batches,
            "events": batches * size,
            "sambung": sambung_bytes,
            "gzip": gzip_bytes,
            "json": plain_bytes,
        }
    return result


# ---- the run ---------------------------------------------------------------------------------------------


@dataclass
class World:
    centre: Node
    hub: Node


def prepare(parent: Path, *, seed: int, pieces: int = 60, lots: int = 60) -> World:
    """Migrate once, build the cooperative on the centre, enrol a hub and give it stock and stall rights."""
    base = Node.create(parent, "base")
    progress("migrating a fresh database")
    manage(base, "migrate", "--verbosity", "0")
    centre, hub = base.copy_to(parent, "centre"), base.copy_to(parent, "hub")
    shutil.rmtree(base.data_dir)
    built = run_django_step(centre, "build", {"hubs": 1})
    with serve_centre(centre) as server:
        progress("enrolling the hub")
        manage(hub, "enrol_hub", "--centre", server.url, "--code", built["hubs"][0]["code"])
        manage(hub, "sync", "--centre", server.url)
        run_django_step(hub, "people", {"hubs": 1})
        progress(f"stock at the hub: {pieces} pieces and {lots} lots of coffee, received and inspected")
        run_django_step(hub, "seed", {"pieces": pieces, "lots": lots})
        manage(hub, "sync", "--centre", server.url)
        run_django_step(centre, "rights", {})
        manage(hub, "sync", "--centre", server.url)
    return World(centre, hub)


@dataclass
class SyncRun:
    seconds: float
    output: str
    up: int = 0  # bytes the hub sent (TCP payload), when a proxy counted them
    down: int = 0
    connections: int = 0


def timed_sync(hub: Node, url: str) -> SyncRun:
    """Run the hub's `manage.py sync`; each line of its output gets the seconds since the command started."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sync", "--centre", url],
        cwd=ROOT,
        env=hub.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = [f"{time.monotonic() - started:6.2f} s  {line.rstrip()}" for line in process.stdout]
    process.wait(timeout=MANAGE_TIMEOUT)
    output = "\n".join(lines)
    if process.returncode != 0:
        raise BenchError(f"{hub.name}: manage.py sync exited {process.returncode}:\n{output[-3000:]}")
    return SyncRun(time.monotonic() - started, output)


def startup_seconds(node: Node) -> float:
    """Seconds for `manage.py version`: Python and Django starting, which every `manage.py sync` pays too."""
    started = time.monotonic()
    manage(node, "version")
    return time.monotonic() - started


def same_state(a: Node, b: Node) -> bool:
    return run_django_step(a, "digest")["digest"] == run_django_step(b, "digest")["digest"]


def open_slow_link(mode: str) -> tuple[contextlib.AbstractContextManager | None, str]:
    """Return a ready NetnsLink (or None for the proxy) and a line saying which emulation is used, and why."""
    if mode in ("auto", "netns"):
        link = NetnsLink()
        try:
            link.__enter__()
            return link, f"slow link: {link.describe()}"
        except LinkUnavailable as exc:
            if mode == "netns":
                raise BenchError(f"no network namespace with netem here: {exc}") from None
            why = str(exc)
            return None, (
                f"slow link: {ThrottlingProxy.kind}, {SLOW_RATE_BITS // 1000} kbit/s each way, "
                f"{SLOW_RTT * 500:.0f} ms each way; the preferred netns + netem could not be made here ({why})"
            )
    return (
        None,
        f"slow link: {ThrottlingProxy.kind}, {SLOW_RATE_BITS // 1000} kbit/s each way, {SLOW_RTT * 500:.0f} ms each way (--link proxy)",
    )


def slow_sync(hub: Node, centre: Node, link: NetnsLink | None) -> SyncRun:
    """Sync the hub with the centre over the slow link: the centre in the namespace, or behind the proxy."""
    if link is not None:
        with serve_centre(centre, host=link.centre_host, prefix=link.prefix) as server:
            return timed_sync(hub, server.url)
    with (
        serve_centre(centre) as server,
        ThrottlingProxy(("127.0.0.1", server.port), rate_bits=SLOW_RATE_BITS, rtt=SLOW_RTT) as proxy,
    ):
        run = timed_sync(hub, proxy.url)
        run.up, run.down, run.connections = proxy.sent["up"], proxy.sent["down"], proxy.connections
        return run


def counted_sync(hub: Node, centre: Node) -> SyncRun:
    """Sync over loopback through a counting proxy: the bytes each way, with their HTTP headers."""
    with serve_centre(centre) as server, ThrottlingProxy(("127.0.0.1", server.port)) as proxy:
        run = timed_sync(hub, proxy.url)
        run.up, run.down, run.connections = proxy.sent["up"], proxy.sent["down"], proxy.connections
        return run


def frame_lines(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip() and "Warning" not in line]
    return "\n".join(f"    {line}" for line in lines[-12:])


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def run(args: argparse.Namespace) -> bool:
    """Build, measure and print; return True when every node converged and every invariant held."""
    import concurrent.futures

    parent = Path(tempfile.mkdtemp(prefix="sambung-bench-sync-"))
    link = None
    try:
        link, link_line = open_slow_link(args.link)
        progress(link_line)
        world = prepare(parent, seed=args.seed)
        hub_events = round(args.events * 0.8)
        progress(f"a month of activity: {args.events:,} events, {hub_events:,} written at the hub")
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            at_hub = pool.submit(
                run_django_step, world.hub, "simulate", {"events": hub_events, "seed": args.seed}
            )
            at_centre = pool.submit(
                run_django_step,
                world.centre,
                "simulate",
                {"events": args.events - hub_events, "seed": args.seed + 1},
            )
            month = {"hub": at_hub.result(), "centre": at_centre.result()}
        origin = run_django_step(world.hub, "node_id")["node"]
        sizes = run_django_step(world.hub, "frame_sizes", {"origin": origin, "last": month["hub"]["events"]})
        loop_pair = (world.hub.copy_to(parent / "loopback"), world.centre.copy_to(parent / "loopback"))
        slow_pair = (world.hub.copy_to(parent / "slow"), world.centre.copy_to(parent / "slow"))
        startup = startup_seconds(world.hub)

        progress("converging over loopback")
        with serve_centre(loop_pair[1]) as server:
            loopback = timed_sync(loop_pair[0], server.url)
        loop_same = same_state(*loop_pair)
        progress("an exchange with nothing to send, counted")
        empty = counted_sync(*loop_pair)
        progress("converging over the slow link (a minute or more)")
        slow = slow_sync(*slow_pair, link)
        slow_same = same_state(*slow_pair)
        progress("an exchange with nothing to send over the slow link")
        slow_empty = slow_sync(*slow_pair, link)
        checks = [run_django_step(node, "check") for node in (*loop_pair, *slow_pair)]
    finally:
        if link is not None:
            link.__exit__(None, None, None)
        if args.keep:
            progress(f"kept {parent}")
        else:
            shutil.rmtree(parent, ignore_errors=True)
    problems = [p for c in checks for p in c["problems"]] + [
        f"{c['oversold']} oversold" for c in checks if c["oversold"]
    ]
    report(
        link_line=link_line, month=month, sizes=sizes, startup=startup, loopback=loopback, loop_same=loop_same,
        empty=empty, slow=slow, slow_same=slow_same, slow_empty=slow_empty, problems=problems,
    )  # fmt: skip
    return loop_same and slow_same and not problems


def report(
    *, link_line, month, sizes, startup, loopback, loop_same, empty, slow, slow_same, slow_empty, problems
) -> None:
    print(
        "\n1. Bytes per event: Sambung frames (msgpack + zstd + Ed25519) against gzip'd JSON lines (level 6)"
    )
    print(f"   the hub's {month['hub']['events']:,} events of the month, cut into consecutive batches\n")
    rows = []
    for size in BATCH_SIZES:
        figures = sizes[str(size)]
        if not figures["batches"]:
            rows.append(
                [f"{size:,}", "0", "-", "-", "-", "-", "≤ 0.9×" if size >= 100 else "-", "too few events"]
            )
            continue
        events = figures["events"]
        ratio = figures["sambung"] / figures["gzip"]
        target = "≤ 0.9×" if size >= 100 else "-"
        verdict = ("ok" if ratio <= 0.9 else "OVER") if size >= 100 else ""
        rows.append([
            f"{size:,}", f"{figures['batches']:,}", f"{figures['json'] / events:,.0f}", f"{figures['gzip'] / events:,.0f}",
            f"{figures['sambung'] / events:,.0f}", f"{ratio:.2f}×", target, verdict,
        ])  # fmt: skip
    headers = [
        "batch",
        "batches",
        "JSON B/event",
        "gzip'd JSON B/event",
        "Sambung B/event",
        "ratio",
        "target",
        "",
    ]
    print(format_table(headers, rows, [True, True, True, True, True, True, False, False]))

    print("\n2. Fixed cost of an exchange with nothing to send (hub → centre, loopback, counted by a proxy)")
    total = empty.up + empty.down
    print(
        f"   {total:,} bytes = {empty.up:,} up + {empty.down:,} down (TCP payload: HTTP headers and bodies), "
        f"{empty.connections} HTTP request(s); target ≤ 2 KB: {'ok' if total <= 2048 else 'OVER'}"
    )
    print(f"   time: {empty.seconds:.2f} s on loopback, {slow_empty.seconds:.2f} s on the slow link, "
          f"each including {startup:.2f} s of Python and Django starting (`manage.py version`)")  # fmt: skip

    print("\n3. Converging a month of hub activity (hub: `manage.py sync`; centre: gunicorn, 2 sync workers)")
    print(f"   the month: hub {month['hub']['events']:,} events in {month['hub']['days']} days "
          f"({', '.join(f'{k} {v}' for k, v in month['hub']['actions'].items())}); "
          f"centre {month['centre']['events']:,} events "
          f"({', '.join(f'{k} {v}' for k, v in month['centre']['actions'].items())})")  # fmt: skip
    rows = [
        ["loopback", f"{loopback.seconds:.2f}", "-", "yes" if loop_same else "NO"],
        [
            "400 kbit/s, 400 ms",
            f"{slow.seconds:.2f}",
            f"{kb(slow.up)} up, {kb(slow.down)} down, {slow.connections} requests"
            if slow.connections
            else "-",
            "yes" if slow_same else "NO",
        ],
    ]
    print(format_table(["link", "seconds", "on the wire", "same state"], rows, [False, True, False, False]))
    print(f"   {link_line}")
    print("   the loopback sync's output, each line with the seconds since the command started:")
    print(frame_lines(loopback.output))

    print("\n4. Invariants after the exchanges (DESIGN.md §4 items 1–3, units oversold), all four nodes:")
    print("   " + ("all hold, 0 units oversold" if not problems else "\n   ".join(problems[:20])))

    print(
        "\nFor comparison, Kolibri's sync engine Morango: figures QUOTED FROM ISSUE 6, not measured by this script:"
    )
    for what, figure in MORANGO.items():
        print(f"   {what}: {figure}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events", type=int, default=3000, help="events in the month, hub and centre (default 3000)"
    )
    parser.add_argument("--seed", type=int, default=6, help="seed of the month's activity (default 6)")
    parser.add_argument(
        "--link", choices=["auto", "netns", "proxy"], default="auto",
        help="slow-link emulation: netns + tc netem if possible, else the proxy (default auto)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the nodes' data directories")
    parser.add_argument("--django-step", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 100 <= args.events <= 50_000:
        parser.error("--events must be between 100 and 50000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.django_step:
        return django_step(args.django_step)
    exit_cleanly_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)
    started = time.monotonic()
    print(f"Sambung sync: a centre and a village hub, {args.events:,} events of a month, seed {args.seed}")
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}; both nodes on SQLite, each in its own data directory")  # fmt: skip
    try:
        ok = run(args)
    except (BenchError, OSError) as exc:
        print(f"\nbench/sync.py failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(f"\nverdict: {'converged, invariants hold' if ok else 'PROBLEMS, see above'} "
          f"(whole run: {time.monotonic() - started:.0f} s)")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
