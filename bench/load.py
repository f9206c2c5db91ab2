"""Requests per second and latency of the storefront under gunicorn (2 workers), on SQLite and PostgreSQL.

For each database a throw-away demo cooperative is served production-like (DEBUG off) and wrk drives each
page for --duration seconds. Rows per table are read before and after, to show that storefront GETs never
write. Usage: .venv/bin/python bench/load.py [--duration 30] [--connections 16] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from _demo import (
    DEFAULT_POSTGRES_URL,
    BenchError,
    Demo,
    Server,
    exit_cleanly_on_sigterm,
    fetch,
    format_table,
    prepare_demo,
    progress,
    serve,
    throwaway_demo,
)

PAGES = [
    ("home", "/"),
    ("list", "/produk/"),
    ("search", "/produk/?q=mata+manuk"),
    ("product", "/produk/sarung-mata-manuk-indigo/"),
]
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
WORKERS = 2
WARMUP_REQUESTS = 5  # per page and database, sequential: loads templates and checks the page answers 200
WRK_TIMEOUT = "10s"  # a reply slower than this counts as a timeout error instead of a latency
BACKENDS_GONE_TIMEOUT = 15  # seconds to wait for the server's PostgreSQL connections to close
# Browsers ask for compressed pages, and compressing them is part of the server's work.
ACCEPT_ENCODING = "gzip, deflate, br"
# Framework bookkeeping, left out of the listing unless it changes; django_session is always listed.
BOOKKEEPING_TABLES = ("django_migrations", "django_content_type", "auth_permission", "auth_group")

# wrk calls done() once at the end; it prints one line that this script parses (times in microseconds).
WRK_REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SAMBUNG-WRK requests=%.0f duration=%.0f p50=%.0f p99=%.0f connect=%d read=%d write=%d timeout=%d status=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int  # connect, read, write and timeout errors
    status_errors: int  # replies with a status of 400 or more

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.status_errors


@dataclass(frozen=True)
class TableState:
    rows: int
    digest: str


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, TableState]
    write_counter: int  # SQLite: PRAGMA data_version; PostgreSQL: rows inserted + updated + deleted


class Watcher(Protocol):
    def snapshot(self) -> Snapshot: ...

    def describe_writes(self, before: Snapshot, after: Snapshot) -> str: ...

    def close(self) -> None: ...


class SqliteWatcher:
    """Holds one read-only connection open for the whole run: its data_version moves on any other commit."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def snapshot(self) -> Snapshot:
        names = [
            name
            for (name,) in self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = {name: self._table_state(name) for name in names}
        (data_version,) = self.connection.execute("PRAGMA data_version").fetchone()
        return Snapshot(tables, data_version)

    def _table_state(self, name: str) -> TableState:
        rows = sorted(repr(row) for row in self.connection.execute(f'SELECT * FROM "{name}"'))  # noqa: S608
        return TableState(len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())

    def describe_writes(self, before: Snapshot, after: Snapshot) -> str:
        if before.write_counter == after.write_counter:
            return "commits by the server's connections: none (PRAGMA data_version unchanged)"
        return "commits by the server's connections: at least one (PRAGMA data_version changed)"

    def close(self) -> None:
        self.connection.close()


class PostgresWatcher:
    """Reads the tables and pg_stat_user_tables once the server's connections are closed (stats are final)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def snapshot(self) -> Snapshot:
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=10) as connection:
            self._wait_for_other_connections_to_close(connection)
            names = [
                name
                for (name,) in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
                )
            ]
            tables = {name: self._table_state(connection, name) for name in names}
            (writes,) = connection.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
            ).fetchone()
        return Snapshot(tables, int(writes))

    @staticmethod
    def _wait_for_other_connections_to_close(connection) -> None:
        deadline = time.monotonic() + BACKENDS_GONE_TIMEOUT
        while time.monotonic() < deadline:
            (others,) = connection.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
            connection.commit()  # a fresh statistics snapshot on the next read
            if others == 0:
                time.sleep(0.5)  # a backend leaves pg_stat_activity just before it flushes its statistics
                return
            time.sleep(0.2)
        progress(f"other connections still open after {BACKENDS_GONE_TIMEOUT} s; counters may lag")

    @staticmethod
    def _table_state(connection, name: str) -> TableState:
        rows, digest = connection.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "  # noqa: S608
            f'FROM "{name}" t'
        ).fetchone()
        return TableState(rows, digest)

    def describe_writes(self, before: Snapshot, after: Snapshot) -> str:
        writes = after.write_counter - before.write_counter
        return f"rows inserted + updated + deleted by the server (pg_stat_user_tables): {writes}"

    def close(self) -> None:
        pass


def open_watcher(demo: Demo) -> Watcher:
    if demo.database == "sqlite":
        return SqliteWatcher(demo.sqlite_path)
    return PostgresWatcher(demo.database_url)


def parse_wrk(output: str) -> WrkResult:
    line = next((x for x in output.splitlines() if x.startswith("SAMBUNG-WRK ")), None)
    if line is None:
        raise BenchError(f"wrk printed no report:\n{output}")
    values = {key: float(value) for key, value in (field.split("=") for field in line.split()[1:])}
    return WrkResult(
        requests=int(values["requests"]),
        seconds=values["duration"] / 1e6,
        p50_ms=values["p50"] / 1e3,
        p99_ms=values["p99"] / 1e3,
        socket_errors=int(values["connect"] + values["read"] + values["write"] + values["timeout"]),
        status_errors=int(values["status"]),
    )


def run_wrk(url: str, *, duration: int, connections: int, script: Path) -> WrkResult:
    threads = max(1, min(connections, os.cpu_count() or 1))
    command = ["wrk", "--threads", str(threads), "--connections", str(connections)]
    command += ["--duration", f"{duration}s", "--timeout", WRK_TIMEOUT, "--latency", "--script", str(script)]
    command += ["--header", f"Accept-Encoding: {ACCEPT_ENCODING}", url]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish within {duration + 60} s for {url}") from None
    if result.returncode != 0:
        raise BenchError(f"wrk failed for {url}:\n{result.stdout}{result.stderr}")
    return parse_wrk(result.stdout)


def warm_up(base_url: str) -> None:
    """Request each page a few times; fail early if one does not answer 200."""
    for _, path in PAGES:
        for _ in range(WARMUP_REQUESTS):
            status, _ = fetch(base_url + path, headers={"Accept-Encoding": ACCEPT_ENCODING})
            if status != 200:
                raise BenchError(f"{path} answered {status}")


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds used during a window, by the whole machine and by the processes serving the benchmark."""

    seconds: float  # wall-clock length of the window
    machine: float
    server: float  # gunicorn master and workers
    database: float  # PostgreSQL backends of the benchmark's database (SQLite runs inside the workers)
    bench: float  # wrk and this script

    @property
    def others(self) -> float:
        return max(0.0, self.machine - self.server - self.database - self.bench)


def machine_cpu_seconds() -> float:
    """CPU seconds all CPUs spent busy since boot (user, nice, system, irq, softirq, steal)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class CpuMonitor:
    """Reads /proc every second while the block runs: CPU used by gunicorn and by the database backends.

    Sampling often matters: PostgreSQL connections are recycled (CONN_MAX_AGE), and a process that has ended
    can no longer be read, so at most its last second of work is missed.
    """

    INTERVAL = 1.0

    def __init__(self, server_pgid: int, database_name: str) -> None:
        self.server_pgid = server_pgid
        self.backend_title = f" {database_name} ".encode() if database_name else b""
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.group: dict[int, str] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuMonitor:
        self.started, self.machine, self.own = time.monotonic(), machine_cpu_seconds(), own_cpu_seconds()
        self._scan(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self._scan(initial=False)
        self.use = CpuUse(
            time.monotonic() - self.started,
            machine_cpu_seconds() - self.machine,
            self._used("server"),
            self._used("database"),
            own_cpu_seconds() - self.own,
        )

    def _run(self) -> None:
        while not self.stop.wait(self.INTERVAL):
            self._scan(initial=False)

    def _used(self, group: str) -> float:
        return sum(self.last[pid] - self.first.get(pid, 0.0) for pid, g in self.group.items() if g == group)

    def _scan(self, *, initial: bool) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            pid = int(stat.parent.name)
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                group = self.group.get(pid) or self._classify(pid, int(fields[2]))
            except (OSError, IndexError, ValueError):
                continue  # ended in between
            if group:
                self.group[pid] = group
                self.last[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
                if initial:
                    self.first[pid] = self.last[pid]  # a process seen only later started inside the window

    def _classify(self, pid: int, process_group: int) -> str:
        if process_group == self.server_pgid:
            return "server"
        if self.backend_title:
            # A backend's title reads "postgres: [cluster:] user database host(port) state".
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
            if title.startswith(b"postgres: ") and self.backend_title in title:
                return "database"
        return ""


def measure_database(demo: Demo, args: argparse.Namespace, script: Path) -> list[WrkResult]:
    watcher = open_watcher(demo)
    try:
        before = watcher.snapshot()
        with serve(demo, workers=WORKERS) as server:
            warm_up(server.base_url)
            with CpuMonitor(server.process.pid, demo.database_name) as cpu:
                results = [run_page(demo, server, name, path, args, script) for name, path in PAGES]
        after = watcher.snapshot()
    finally:
        watcher.close()
    print_results(demo, args, results)
    print_cpu(cpu.use, demo.database)
    print_writes(before, after, watcher.describe_writes(before, after))
    return results


def run_page(
    demo: Demo, server: Server, name: str, path: str, args: argparse.Namespace, script: Path
) -> WrkResult:
    progress(f"{DATABASES[demo.database]}: wrk on {name} {path} for {args.duration} s")
    result = run_wrk(
        server.base_url + path, duration=args.duration, connections=args.connections, script=script
    )
    if result.status_errors:
        progress(f"{path}: {result.status_errors} error replies; server log:\n{server.log_tail()}")
    return result


def print_cpu(cpu: CpuUse, database: str) -> None:
    """Show who used the CPUs during the wrk runs: on a shared machine other processes lower the figures."""
    available = cpu.seconds * (os.cpu_count() or 1)
    backends = f"PostgreSQL backends {cpu.database:.1f}, " if database == "postgres" else ""
    print(
        f"CPU during the wrk runs ({cpu.seconds:.0f} s x {os.cpu_count()} CPUs = {available:.0f} CPU-s): "
        f"gunicorn {cpu.server:.1f}, {backends}wrk {cpu.bench:.1f}, "
        f"other processes {cpu.others:.1f} ({100 * cpu.others / available:.0f} %), "
        f"idle {max(0.0, available - cpu.machine):.1f}"
    )


def format_errors(result: WrkResult) -> str:
    if not result.errors:
        return "0"
    return f"{result.errors} (socket {result.socket_errors}, status {result.status_errors})"


def print_results(demo: Demo, args: argparse.Namespace, results: Sequence[WrkResult]) -> None:
    rows = [
        [
            name,
            path,
            f"{r.requests_per_second:.1f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.requests),
            format_errors(r),
        ]
        for (name, path), r in zip(PAGES, results, strict=True)
    ]
    headers = ["page", "path", "requests/s", "p50 ms", "p99 ms", "requests", "errors"]
    print(f"\n{DATABASES[demo.database]}: gunicorn {WORKERS} sync workers, {args.duration} s per page")
    print(format_table(headers, rows, [False, False, True, True, True, True, True]))


def is_listed(name: str, state: TableState) -> bool:
    """Tables with data, and the session table (the first a careless GET would write to)."""
    return name == "django_session" or (state.rows > 0 and not name.startswith(BOOKKEEPING_TABLES))


def print_writes(before: Snapshot, after: Snapshot, writes: str) -> None:
    names = sorted(set(before.tables) | set(after.tables))
    missing = TableState(0, "")
    rows = []
    others_same = 0
    for name in names:
        old, new = before.tables.get(name, missing), after.tables.get(name, missing)
        if is_listed(name, old) or old != new:
            rows.append([name, str(old.rows), str(new.rows), "same" if old == new else "CHANGED"])
        else:
            others_same += 1
    print("\nRows per table before and after the run (storefront GETs must not write):")
    print(format_table(["table", "before", "after", "content"], rows, [False, True, True, False]))
    print(f"other tables (empty, or framework bookkeeping): {others_same}, content the same")
    print(writes)


def print_comparison(results: dict[str, list[WrkResult]]) -> None:
    headers = ["page"]
    for database in results:
        headers += [f"{DATABASES[database]} req/s", f"{DATABASES[database]} p99 ms"]
    rows = []
    for index, (name, _) in enumerate(PAGES):
        row = [name]
        for database_results in results.values():
            row += [
                f"{database_results[index].requests_per_second:.1f}",
                f"{database_results[index].p99_ms:.1f}",
            ]
        rows.append(row)
    print("\nSide by side:")
    print(format_table(headers, rows, [False] + [True] * (len(headers) - 1)))


def print_header(args: argparse.Namespace, databases: Sequence[str]) -> None:
    version = (
        subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    )
    print(
        f"Sambung storefront load: {', '.join(DATABASES[d] for d in databases)}; {args.connections} connections, "
        f"{args.duration} s per page, Accept-Encoding: {ACCEPT_ENCODING}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, {version}; "
        "wrk, gunicorn and the database share this machine"
    )
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        print(
            f"note: the 1-minute load average is {load:.1f} before the run; "
            "the CPU lines below show how much other processes took"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of wrk per page (default 30)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--only", choices=sorted(DATABASES), help="measure one database only")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"a PostgreSQL database to connect to for CREATE/DROP DATABASE (default {DEFAULT_POSTGRES_URL})",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 600:
        parser.error("--duration must be between 1 and 600 seconds")
    if not 1 <= args.connections <= 1000:
        parser.error("--connections must be between 1 and 1000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    exit_cleanly_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)  # figures and progress interleave in order
    databases = [args.only] if args.only else list(DATABASES)
    started = time.monotonic()
    print_header(args, databases)
    try:
        with contextlib.ExitStack() as stack:
            demos = [
                stack.enter_context(throwaway_demo(database, postgres_url=args.postgres_url))
                for database in databases
            ]
            progress(f"loading the demo into {', '.join(DATABASES[d] for d in databases)} (about 40 s)")
            with concurrent.futures.ThreadPoolExecutor(len(demos)) as pool:
                list(pool.map(prepare_demo, demos))  # one process per database, in parallel
            script = demos[0].data_dir / "report.lua"
            script.write_text(WRK_REPORT_LUA)
            results = {demo.database: measure_database(demo, args, script) for demo in demos}
    except (BenchError, OSError) as exc:
        print(f"\nbench/load.py failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if len(results) > 1:
        print_comparison(results)
    print(f"\n(whole run: {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
