"""Shared by the benchmarks: a throw-away demo cooperative served by gunicorn, and a plain table printer.

A demo lives in a fresh temporary data directory (SQLite file, media, static files) and, for PostgreSQL, in a
fresh database named sambung_bench_<pid> on the local server. Everything is removed again on exit, also on
Ctrl+C or SIGTERM; the server's output is kept in a log file in the data directory and shown on failure.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MANAGE_TIMEOUT = 300  # seconds for one manage.py command; load_demo takes about 30 s
START_TIMEOUT = 60  # seconds for gunicorn to listen and answer its first request
STOP_TIMEOUT = 20  # seconds for a graceful gunicorn shutdown before SIGKILL
LOG_TAIL_LINES = 40


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which and shows the output that explains it."""


@dataclass(frozen=True)
class Demo:
    database: str  # "sqlite" or "postgres"
    data_dir: Path
    database_url: str  # empty for SQLite: the settings put the file in the data directory
    env: dict[str, str]

    @property
    def database_name(self) -> str:
        return self.database_url.rsplit("/", 1)[1] if self.database_url else ""

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "sambung.sqlite3"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return tail(self.log_path, lines)


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that `finally` blocks stop the server and drop the database."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def progress(message: str) -> None:
    """Report progress on stderr, so that stdout carries only the figures."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"


def fetch(url: str, *, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, bytes]:
    """GET a local http:// URL; return the status and the body (as sent: compressed if asked)."""
    if not url.startswith("http://"):
        raise ValueError(f"not an http:// URL: {url}")
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def production_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """Return the environment of a production-like run: DEBUG off, a random key, plain HTTP on 127.0.0.1."""
    ignored = ("DATABASE_URL", "SAMBUNG_INSECURE_DEV_KEY", "GUNICORN_CMD_ARGS")  # the run sets these itself
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SAMBUNG_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SAMBUNG_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def run_admin_sql(admin_url: str, *statements: str) -> None:
    import psycopg  # only PostgreSQL runs need the driver

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
            for statement in statements:
                connection.execute(statement)
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL at {admin_url}: {exc}") from None


def create_postgres_database(admin_url: str, name: str) -> None:
    # The name carries this process's id: a database of that name can only be a leftover of a killed run.
    run_admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_postgres_database(admin_url: str, name: str) -> None:
    run_admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_demo(database: str, *, postgres_url: str = DEFAULT_POSTGRES_URL) -> Iterator[Demo]:
    """Yield an empty demo (data directory and database); remove both on exit. Fill it with prepare_demo()."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"sambung-bench-{database}-"))
    database_name = f"sambung_bench_{os.getpid()}" if database == "postgres" else ""
    try:
        if database_name:
            create_postgres_database(postgres_url, database_name)
        database_url = with_database_name(postgres_url, database_name) if database_name else ""
        yield Demo(database, data_dir, database_url, production_env(data_dir, database_url))
    finally:
        if database_name:
            try:
                drop_postgres_database(postgres_url, database_name)
            except BenchError as exc:
                progress(f"could not drop {database_name}; drop it by hand: {exc}")
        shutil.rmtree(data_dir, ignore_errors=True)


def run_manage(demo: Demo, *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    try:
        result = subprocess.run(
            command, cwd=ROOT, env=demo.env, capture_output=True, text=True, timeout=MANAGE_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(args)} took longer than {MANAGE_TIMEOUT} s ({demo.database})") from None
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise BenchError(f"manage.py {' '.join(args)} failed ({demo.database}):\n{output}")


def prepare_demo(demo: Demo) -> None:
    """Migrate, load the demo cooperative with its photos and collect the static files."""
    run_manage(demo, "migrate", "--verbosity", "0")
    run_manage(demo, "load_demo")
    run_manage(demo, "collectstatic", "--noinput", "--verbosity", "0")


def gunicorn_command(workers: int) -> list[str]:
    import gunicorn

    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers)]
    # Port 0: the kernel picks a free port and gunicorn logs it, so two runs never race for one.
    command += ["--bind", "127.0.0.1:0", "--log-level", "info"]
    if gunicorn.version_info >= (25, 1):
        # Since 25.1 gunicorn opens a control socket in $HOME; two benchmark servers would share its path.
        command.append("--no-control-socket")
    return command


def wait_for_port(process: subprocess.Popen[bytes], log_path: Path, deadline: float) -> int:
    while time.monotonic() < deadline:
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", tail(log_path, 200))
        if match:
            return int(match.group(1))
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{tail(log_path)}")
        time.sleep(0.1)
    raise BenchError(f"gunicorn did not listen within {START_TIMEOUT} s:\n{tail(log_path)}")


def wait_for_answer(url: str, process: subprocess.Popen[bytes], log_path: Path, deadline: float) -> None:
    error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{tail(log_path)}")
        try:
            status, _ = fetch(url, timeout=5)
            if status == 200:
                return
            error = f"status {status}"
        except OSError as exc:  # URLError is an OSError
            error = str(exc)
        time.sleep(0.2)
    raise BenchError(f"{url} did not answer 200 within {START_TIMEOUT} s ({error}):\n{tail(log_path)}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully (SIGTERM to the master), then kill what is left of its process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            progress(f"gunicorn {process.pid} did not stop within {STOP_TIMEOUT} s; killing it")
    # The group was created for this server alone (start_new_session), so this reaches only its workers.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


@contextmanager
def serve(demo: Demo, *, workers: int = 2) -> Iterator[Server]:
    """Run gunicorn on a free port of 127.0.0.1 until the block ends; show its log if the block fails."""
    with open(demo.log_path, "wb") as log:  # one log per server, so the port found is its own
        process = subprocess.Popen(
            gunicorn_command(workers),
            cwd=ROOT,
            env=demo.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        base_url = f"http://127.0.0.1:{wait_for_port(process, demo.log_path, deadline)}"
        wait_for_answer(f"{base_url}/", process, demo.log_path, deadline)
    except BaseException:
        stop_process(process)
        raise
    try:
        yield Server(base_url, process, demo.log_path)
    except Exception:
        progress(f"server log ({demo.log_path}), last lines:\n{tail(demo.log_path)}")
        raise
    finally:
        stop_process(process)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """Return rows as aligned plain-text columns; `right` says which columns hold numbers."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            str(c).rjust(w) if r else str(c).ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
