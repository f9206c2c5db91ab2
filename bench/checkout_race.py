"""Many buyers race over HTTP for scarce stock under gunicorn, on SQLite and PostgreSQL: nothing is oversold.

Each round, --buyers buyers race for --units units of a coffee SKU and as many again for one one-of-a-kind
piece, all at once, each through the whole flow a browser takes: product page, add to cart, check out, place
the order. The database is then read to check that no unit was sold twice and that every buyer without an
order was told the goods were sold out. Usage:
.venv/bin/python bench/checkout_race.py [--buyers 50] [--units 5] [--rounds 3] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import gzip
import html
import http.client
import http.cookiejar
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _demo import (
    DEFAULT_POSTGRES_URL,
    ROOT,
    BenchError,
    Demo,
    Server,
    exit_cleanly_on_sigterm,
    format_table,
    prepare_demo,
    progress,
    serve,
    tail,
    throwaway_demo,
)

DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
COFFEE_SLUG = "kopi-arabika-egon-250g"  # a demo coffee: each round races for a fresh SKU of it
STEP_TIMEOUT = 120  # seconds for one Django step (stock set-up, checks) in its own process
STEP_MARKER = "CHECKOUT-RACE-JSON "
MAX_ROUNDS = 20  # each round takes one of the demo's 55 available pieces
# The buyer's address: Desa Nita, Kecamatan Nita, Kabupaten Sikka, reached by the cooperative's own rates.
ADDRESS = {
    "province": "53",
    "regency": "53.07",
    "district": "53.07.04",
    "village": "53.07.04.2001",
    "address": "Jl. Contoh No. 7, RT 01/RW 02",
}
# What the app tells a buyer who lost the race (orders/checkout.py, SoldOut); the Indonesian forms as well.
SOLD_OUT = re.compile(r"\b(sold out|only \d+ of .+ left|habis|tinggal \d+)", re.IGNORECASE)
# In the server log: the symptoms of a broken race.
LOG_SYMPTOMS = {
    "tracebacks": "Traceback (most recent call last)",
    "'database is locked'": "database is locked",
    "deadlocks": "deadlock detected",
    "serialization failures": "could not serialize access",
    "worker timeouts": "WORKER TIMEOUT",
}


# ---- Django side: run in a child process with the demo's environment -------------------------------------


def run_django_step(demo: Demo, step: str, payload: dict) -> dict:
    """Run one Django-side step of this file in a child process; return the JSON it prints.

    _demo.run_manage does not return a command's output, hence this small local helper.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--django-step", step]
    try:
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=demo.env,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"the {step} step took longer than {STEP_TIMEOUT} s ({demo.database})") from None
    line = next((x for x in result.stdout.splitlines() if x.startswith(STEP_MARKER)), None)
    if result.returncode != 0 or line is None:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise BenchError(f"the {step} step failed ({demo.database}):\n{output}")
    return json.loads(line[len(STEP_MARKER) :])


def django_step(step: str) -> int:
    """Entry point of the child process: set Django up, read the payload on stdin, print the result."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    payload = json.loads(sys.stdin.read())
    result = {"setup": set_up_stock, "verify": verify_round}[step](**payload)
    print(STEP_MARKER + json.dumps(result))
    return 0


def set_up_stock(*, rounds: int, units: int) -> dict:
    """For each round, receive `units` of a fresh coffee SKU, inspect them into the web store, pick a piece."""
    from sambung.catalog.models import SKU, Location, Product
    from sambung.catalog.products import save_sku
    from sambung.demo.cooperative import release_after_inspection
    from sambung.demo.drawing import draw_coffee
    from sambung.inventory.models import Position, StockLevel
    from sambung.inventory.stock import receive_stock, web_store
    from sambung.orders.models import ShippingRate

    coffee = Product.objects.select_related("cooperative").get(slug=COFFEE_SLUG)
    cooperative = coffee.cooperative
    model_sku = coffee.skus.order_by("code").first()
    warehouse = (
        Location.objects.filter(cooperative=cooperative, kind=Location.Kind.WAREHOUSE)
        .order_by("name")
        .first()
    )
    channel = web_store(cooperative)
    # The courier service quote_shipping offers for the buyer's village (the regency's own zone).
    rate = (
        ShippingRate.objects.filter(cooperative=cooperative, is_active=True, destination=ADDRESS["regency"])
        .order_by("first_kg")
        .first()
    )
    if warehouse is None or rate is None or model_sku is None:
        raise SystemExit("the demo has no warehouse, coffee SKU or shipping rate for 53.07")
    levels = StockLevel.objects.filter(
        channel=channel,
        position=Position.AVAILABLE,
        quantity=1,
        piece__isnull=False,
        sku__is_active=True,
        sku__product__is_published=True,
    ).select_related("piece", "sku__product", "location")
    # Pieces in the warehouse first, so that every round ships from the same place.
    levels = sorted(levels, key=lambda level: (level.location_id != warehouse.pk, level.piece.code))
    if len(levels) < rounds:
        raise SystemExit(f"the demo has {len(levels)} available pieces, fewer than {rounds} rounds")
    plan = []
    for number, level in enumerate(levels[:rounds], start=1):
        sku = save_sku(
            sku=SKU(
                product=coffee,
                code=f"RACE-{number}",
                name_id=f"uji rebutan {number}",
                name_en=f"checkout race {number}",
                price=model_sku.price,
                is_unique=False,
            )
        )
        receive_stock(sku=sku, location=warehouse, quantity=units, reference=f"checkout-race-{number}")
        # Received units wait in quality control; a passed inspection puts them on sale.
        release_after_inspection(
            sku=sku, location=warehouse, quantity=units, photo=draw_coffee(number, (160, 120))
        )
        plan.append(
            [
                {"race": "coffee", "slug": coffee.slug, "sku": str(sku.pk), "piece": None, "label": sku.code},
                {
                    "race": "piece",
                    "slug": level.sku.product.slug,
                    "sku": str(level.sku_id),
                    "piece": str(level.piece_id),
                    "label": level.piece.code,
                },
            ]
        )
    return {"shipping_rate": str(rate.pk), "rounds": plan}


def verify_round(*, targets: list[dict]) -> dict:
    """Read what the race left in the database: stock received, levels by position, orders, holds."""
    from sambung.inventory.models import StockLevel, StockMove
    from sambung.orders.models import Hold, OrderLine

    checks = []
    for target in targets:
        match = {"sku_id": target["sku"], "piece_id": target["piece"]}  # piece None: IS NULL
        moves = list(StockMove.objects.filter(**match))
        received = sum(m.quantity for m in moves if m.reason == StockMove.Reason.RECEIPT)
        # Level = Σ moves into its slot − Σ moves out of it (DESIGN.md §4, invariant 3).
        expected: Counter[tuple] = Counter()
        for move in moves:
            if move.source_position:
                expected[(move.location_id, move.source_channel_id, move.source_position)] -= move.quantity
            if move.target_position:
                expected[(move.location_id, move.target_channel_id, move.target_position)] += move.quantity
        levels = list(StockLevel.objects.filter(**match))
        actual = {(lv.location_id, lv.channel_id, lv.position): lv.quantity for lv in levels}
        slots = set(expected) | set(actual)
        by_position: Counter[str] = Counter()
        for level in levels:
            by_position[level.position] += level.quantity
        lines = list(OrderLine.objects.filter(**match).select_related("order"))
        checks.append(
            {
                "received": received,
                "positions": dict(by_position),
                "negative_levels": sum(1 for level in levels if level.quantity < 0),
                "levels_match_moves": all(expected[slot] == actual.get(slot, 0) for slot in slots),
                "order_codes": sorted({line.order.code for line in lines}),
                "ordered_units": sum(line.quantity for line in lines),
                "holds": dict(
                    Counter(Hold.objects.filter(**match).values_list("checkout__status", flat=True))
                ),
            }
        )
    return {"targets": checks, "negative_levels": StockLevel.objects.filter(quantity__lt=0).count()}


# ---- The buyers: one cookie jar each, stdlib HTTP only -----------------------------------------------------


class FlowError(Exception):
    """The buyer's flow broke: a 5xx, a timeout, an unexpected page. The message says where."""


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Hand 3xx answers back to the caller, which follows them itself (and times them)."""

    def redirect_request(self, *args, **kwargs):
        return None


@dataclass(frozen=True)
class Reply:
    status: int
    location: str  # the path a 3xx points to
    body: str
    seconds: float


class Browser:
    """One buyer's browser: its own cookies (csrftoken, cart, messages, orders), no proxy, gzip like a phone."""

    def __init__(self, base_url: str, *, request_timeout: float, deadline: float) -> None:
        self.base_url = base_url
        self.request_timeout = request_timeout
        self.deadline = deadline
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # loopback only, whatever http_proxy says
            urllib.request.HTTPCookieProcessor(self.cookies),
            KeepRedirects(),
        )
        self.seconds = 0.0  # time spent waiting for answers: the buyer's share of the flow

    def get(self, path: str) -> Reply:
        return self.request("GET", path, None)

    def post(self, path: str, data: dict[str, str]) -> Reply:
        return self.request("POST", path, data)

    def request(self, method: str, path: str, data: dict[str, str] | None) -> Reply:
        timeout = min(self.request_timeout, self.deadline - time.monotonic())
        if timeout <= 0:
            raise FlowError(f"{method} {shorten(path)}: the race's time limit ran out")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 (base_url is http://127.0.0.1:port)
            self.base_url + path,
            data=body,
            method=method,
            headers={"Accept-Language": "id", "Accept-Encoding": "gzip"},
        )
        started = time.perf_counter()
        try:
            try:
                response = self.opener.open(request, timeout=timeout)
            except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
                response = error
            with response:
                status, headers, raw = response.status, response.headers, response.read()
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, reset connections
            self.seconds += time.perf_counter() - started
            raise FlowError(f"{method} {shorten(path)}: {type(exc).__name__}: {exc}") from None
        seconds = time.perf_counter() - started
        self.seconds += seconds
        if headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        if status >= 500:
            raise FlowError(f"{method} {shorten(path)}: {status}")
        location = urllib.parse.urlsplit(headers.get("Location", "")).path
        return Reply(status, location, raw.decode("utf-8", "replace"), seconds)


def shorten(path: str) -> str:
    """A path without the ids in it, so that errors of many buyers count together."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|SB-\w+", "…", path)


def page_messages(page: str) -> list[str]:
    """The texts of the messages framework's list on a page (base.html: <ul class="messages">)."""
    block = re.search(r'<ul class="messages">(.*?)</ul>', page, re.DOTALL)
    items = re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.DOTALL) if block else []
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def form_errors(page: str) -> list[str]:
    items = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", " ", item)).strip() for item in items]


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise FlowError("no form with a CSRF token on the page")
    return match.group(1)


def expect(reply: Reply, status: int, what: str) -> Reply:
    if reply.status != status:
        messages = "; ".join(page_messages(reply.body) + form_errors(reply.body))
        raise FlowError(f"{what}: {reply.status} instead of {status}{f' ({messages})' if messages else ''}")
    return reply


@dataclass
class BuyerResult:
    race: str
    outcome: str = "error"  # "order", "sold out" or "error"
    detail: str = ""  # the order code, the sold-out message, or what went wrong
    flow_seconds: float | None = None  # all the buyer's requests, from product page to the final page
    hold_seconds: float | None = None  # POST /keranjang/bayar/: where the race for the units is decided
    place_seconds: float | None = None  # POST /checkout/<id>/ with action=place


def run_buyer(
    base_url: str,
    target: dict,
    number: int,
    shipping_rate: str,
    barrier: threading.Barrier,
    *,
    request_timeout: float,
    deadline: float,
) -> BuyerResult:
    """Take one buyer through the flow; everyone opens the product page, then all click at once."""
    result = BuyerResult(target["race"])
    browser = Browser(base_url, request_timeout=request_timeout, deadline=deadline)
    product_path = f"/produk/{target['slug']}/"
    failure = None
    try:
        page = expect(browser.get(product_path), 200, "GET product page").body
        token = csrf_token(page)
        if (target["piece"] or target["sku"]) not in page:
            raise FlowError("the product page does not offer the raced SKU or piece")
    except FlowError as error:
        failure = error
    with contextlib.suppress(threading.BrokenBarrierError):
        # Wait for every buyer to have the page open; a buyer whose page failed still arrives, then stops.
        barrier.wait(timeout=max(0.0, deadline - time.monotonic()))
    try:
        if failure is not None:
            raise failure
        result.outcome, result.detail = buy(browser, target, token, number, shipping_rate, result)
    except FlowError as error:
        result.outcome, result.detail = "error", str(error)
    result.flow_seconds = browser.seconds
    return result


def buy(
    browser: Browser, target: dict, token: str, number: int, shipping_rate: str, result: BuyerResult
) -> tuple[str, str]:
    """Add to cart, check out and place the order; return ("order", code) or ("sold out", message)."""
    line = {"piece": target["piece"]} if target["piece"] else {"quantity": "1"}
    added = browser.post("/keranjang/tambah/", {"csrfmiddlewaretoken": token, "sku": target["sku"], **line})
    expect(added, 302, "POST /keranjang/tambah/")
    cart = expect(browser.get(added.location), 200, f"GET {added.location} after adding")
    if not any(cookie.name == "cart" for cookie in browser.cookies):
        raise FlowError(f"no cart cookie after adding ({'; '.join(page_messages(cart.body))})")

    held = browser.post("/keranjang/bayar/", {"csrfmiddlewaretoken": csrf_token(cart.body)})
    result.hold_seconds = held.seconds
    expect(held, 302, "POST /keranjang/bayar/")
    if not held.location.startswith("/checkout/"):
        answer = expect(browser.get(held.location), 200, f"GET {held.location} after checking out")
        messages = page_messages(answer.body)
        sold_out = next((m for m in messages if SOLD_OUT.search(m)), None)
        if sold_out is None:
            raise FlowError(f"sent back to {held.location} without a sold-out message: {messages}")
        return "sold out", sold_out

    form = expect(browser.get(held.location), 200, "GET /checkout/…/")
    details = {
        "csrfmiddlewaretoken": csrf_token(form.body),
        "name": f"Pembeli {number}",
        "phone": f"0812 {number:04d} 7890",
        "email": f"pembeli{number}@example.com",
        **ADDRESS,
        "shipping_rate": shipping_rate,
        "payment_method": "qris" if number % 2 else "bank_transfer",
        "action": "place",
    }
    placed = browser.post(held.location, details)
    result.place_seconds = placed.seconds
    expect(placed, 302, "POST /checkout/…/ (place the order)")
    if not placed.location.startswith("/pesanan/"):
        raise FlowError(f"placing the order led to {shorten(placed.location)}")
    code = placed.location.rstrip("/").rsplit("/", 1)[-1]
    order = expect(browser.get(placed.location), 200, "GET /pesanan/…/")
    if code not in order.body:
        raise FlowError("the order page does not show the order's code")
    return "order", code


# ---- One race, its checks, and the figures ---------------------------------------------------------------


@dataclass
class RaceCheck:
    """One raced SKU or piece, as the database shows it after the round."""

    race: str
    label: str
    buyers: int
    results: list[BuyerResult]
    received: int
    committed: int
    available: int
    reserved: int
    ordered_units: int
    order_codes: list[str]
    levels_match_moves: bool
    negative_levels: int
    open_holds: int

    @property
    def orders(self) -> int:
        return sum(r.outcome == "order" for r in self.results)

    @property
    def sold_out(self) -> int:
        return sum(r.outcome == "sold out" for r in self.results)

    @property
    def errors(self) -> int:
        return sum(r.outcome == "error" for r in self.results)

    @property
    def oversold(self) -> int:
        return max(0, self.committed - self.received)

    @property
    def codes_match(self) -> bool:
        seen = sorted(r.detail for r in self.results if r.outcome == "order")
        return seen == self.order_codes

    def problems(self) -> list[str]:
        found = []
        if self.oversold:
            found.append(f"OVERSOLD by {self.oversold}")
        if self.negative_levels:
            found.append(f"{self.negative_levels} negative levels")
        if not self.levels_match_moves:
            found.append("levels differ from Σ moves")
        if self.ordered_units != self.committed:
            found.append(f"{self.ordered_units} units on order lines but {self.committed} committed")
        if not self.codes_match:
            found.append(f"buyers saw orders {self.orders}, the database holds {len(self.order_codes)}")
        if self.errors:
            found.append(f"{self.errors} buyers got neither an order nor a sold-out message")
        if self.sold_out and self.committed < self.received:
            found.append(f"{self.sold_out} told sold out while {self.received - self.committed} units unsold")
        return found


@dataclass
class RoundResult:
    number: int
    seconds: float
    races: list[RaceCheck]
    negative_levels: int  # in the whole database
    client_cpu_seconds: float  # used by this process, whose threads are the buyers

    @property
    def results(self) -> list[BuyerResult]:
        return [r for race in self.races for r in race.results]


def race_round(server: Server, plan: dict, number: int, args: argparse.Namespace) -> list[BuyerResult]:
    """Start every buyer of the round at once; return their results (unfinished ones as errors)."""
    targets = [target for target in plan["rounds"][number - 1] for _ in range(args.buyers)]
    barrier = threading.Barrier(len(targets))
    deadline = time.monotonic() + args.race_timeout
    results: list[BuyerResult | None] = [None] * len(targets)

    def buyer(index: int) -> None:
        results[index] = run_buyer(
            server.base_url,
            targets[index],
            index + 1,
            plan["shipping_rate"],
            barrier,
            request_timeout=args.request_timeout,
            deadline=deadline,
        )

    threads = [threading.Thread(target=buyer, args=(i,), daemon=True) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline + 1 - time.monotonic()))
    return [
        result or BuyerResult(targets[i]["race"], detail=f"did not finish within {args.race_timeout} s")
        for i, result in enumerate(results)
    ]


def run_round(demo: Demo, server: Server, plan: dict, number: int, args: argparse.Namespace) -> RoundResult:
    started, cpu = time.monotonic(), process_cpu_seconds()
    results = race_round(server, plan, number, args)
    seconds, cpu = time.monotonic() - started, process_cpu_seconds() - cpu
    targets = plan["rounds"][number - 1]
    found = run_django_step(demo, "verify", {"targets": targets})
    races = []
    for target, check in zip(targets, found["targets"], strict=True):
        positions = check["positions"]
        races.append(
            RaceCheck(
                race=target["race"],
                label=target["label"],
                buyers=args.buyers,
                results=[r for r in results if r.race == target["race"]],
                received=check["received"],
                committed=positions.get("committed", 0),
                available=positions.get("available", 0),
                reserved=positions.get("reserved", 0),
                ordered_units=check["ordered_units"],
                order_codes=check["order_codes"],
                levels_match_moves=check["levels_match_moves"],
                negative_levels=check["negative_levels"],
                open_holds=check["holds"].get("open", 0),
            )
        )
    return RoundResult(number, seconds, races, found["negative_levels"], cpu)


def process_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: Sequence[float], percent: float) -> float | None:
    """Nearest-rank percentile (with fewer than 100 values, p99 is the slowest)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def figures_row(label: str, rounds: Sequence[RoundResult]) -> list[str]:
    races = [race for r in rounds for race in r.races]
    results = [result for r in rounds for result in r.results]
    seconds = sum(r.seconds for r in rounds)
    completed = sum(result.outcome != "error" for result in results)
    flows = [r.flow_seconds for r in results if r.outcome != "error" and r.flow_seconds is not None]
    holds = [r.hold_seconds for r in results if r.hold_seconds is not None]
    places = [r.place_seconds for r in results if r.place_seconds is not None]
    return [
        label,
        str(len(results)),
        str(sum(race.orders for race in races)),
        str(sum(race.sold_out for race in races)),
        str(sum(race.errors for race in races)),
        str(sum(race.received for race in races)),
        str(sum(race.committed for race in races)),
        str(sum(race.oversold for race in races)),
        f"{seconds:.1f}",
        f"{completed / seconds:.1f}" if seconds else "-",
        ms(percentile(flows, 50)),
        ms(percentile(flows, 99)),
        ms(percentile(holds, 50)),
        ms(percentile(holds, 99)),
        ms(percentile(places, 50)),
        ms(percentile(places, 99)),
    ]


FIGURE_HEADERS = [
    "round",
    "buyers",
    "orders",
    "sold out",
    "errors",
    "units",
    "committed",
    "oversold",
    "wall s",
    "checkouts/s",
    "flow p50",
    "flow p99",
    "hold p50",
    "hold p99",
    "place p50",
    "place p99",
]
FIGURE_RIGHT = [False] + [True] * (len(FIGURE_HEADERS) - 1)


def print_round(result: RoundResult) -> None:
    table = format_table(FIGURE_HEADERS, [figures_row(str(result.number), [result])], FIGURE_RIGHT)
    # The header once per database: the values are narrower than the headers, so the columns still line up.
    print(table if result.number == 1 else table.splitlines()[-1])
    for race in result.races:
        no_order = race.buyers - race.orders
        problems = race.problems()
        print(
            f"  {race.race} {race.label}: {race.received} in stock, {race.committed} committed, "
            f"{race.reserved} reserved, {race.available} left; orders in the database: {len(race.order_codes)} "
            f"({'the codes the buyers saw' if race.codes_match else 'NOT the codes the buyers saw'}); "
            f"{race.sold_out} of the {no_order} buyers without an order saw a sold-out message; "
            f"levels {'=' if race.levels_match_moves else '≠'} Σ moves"
            + (f"; PROBLEMS: {', '.join(problems)}" if problems else "")
        )
    print(
        f"  negative stock levels in the database: {result.negative_levels}; the buyers' process used "
        f"{result.client_cpu_seconds:.1f} CPU-s of the {result.seconds:.1f} s x {os.cpu_count()} CPUs"
    )
    errors = Counter(r.detail for r in result.results if r.outcome == "error")
    for detail, count in errors.most_common(8):
        print(f"  error ×{count}: {detail}")


def print_summary(database: str, rounds: Sequence[RoundResult]) -> None:
    rows = [figures_row(str(r.number), [r]) for r in rounds] + [figures_row("all", rounds)]
    print(f"\n{DATABASES[database]}, all rounds:")
    print(format_table(FIGURE_HEADERS, rows, FIGURE_RIGHT))
    messages = Counter(
        re.sub(r"\d+", "N", result.detail)
        for r in rounds
        for result in r.results
        if result.outcome == "sold out"
    )
    for message, count in messages.most_common(4):
        print(f'  sold-out message ×{count}: "{message}"')


def scan_log(path: Path) -> dict[str, int]:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return {}
    return {name: text.count(needle) for name, needle in LOG_SYMPTOMS.items()}


def server_description(args: argparse.Namespace) -> str:
    if args.threads > 1:
        return f"gunicorn {args.workers} workers × {args.threads} threads (gthread)"
    return f"gunicorn {args.workers} sync workers"


def with_worker_class(demo: Demo, threads: int) -> Demo:
    """_demo.serve() starts sync workers; gunicorn also reads options from GUNICORN_CMD_ARGS."""
    env = {k: v for k, v in demo.env.items() if k != "GUNICORN_CMD_ARGS"}
    if threads > 1:
        env["GUNICORN_CMD_ARGS"] = f"--worker-class gthread --threads {threads}"
    return dataclasses.replace(demo, env=env)


def warm_up(server: Server, plan: dict) -> None:
    """One buyer's product pages, so that the first racers do not pay for loading templates."""
    browser = Browser(server.base_url, request_timeout=30, deadline=time.monotonic() + 60)
    for target in plan["rounds"][0]:
        for path in (f"/produk/{target['slug']}/", "/keranjang/"):
            expect(browser.get(path), 200, f"GET {path} (warm-up)")


def measure_database(demo: Demo, args: argparse.Namespace) -> list[RoundResult]:
    name = DATABASES[demo.database]
    progress(f"{name}: receiving {args.units} units of a fresh coffee SKU per round, picking pieces")
    plan = run_django_step(demo, "setup", {"rounds": args.rounds, "units": args.units})
    print(
        f"\n{name}: {server_description(args)}; each round {args.buyers} buyers race for {args.units} units "
        f"of a coffee SKU and {args.buyers} for one piece, all at once (latencies in ms)"
    )
    rounds = []
    with serve(with_worker_class(demo, args.threads), workers=args.workers) as server:
        warm_up(server, plan)
        for number in range(1, args.rounds + 1):
            progress(f"{name}: round {number} of {args.rounds}, {2 * args.buyers} buyers")
            result = run_round(demo, server, plan, number, args)
            print_round(result)
            rounds.append(result)
            if any(r.outcome == "error" for r in result.results):
                progress(
                    f"{name}: buyers failed; server log ({server.log_path}), last lines:\n{tail(server.log_path)}"
                )
    symptoms = scan_log(demo.log_path)
    print(f"  server log: {', '.join(f'{count} {what}' for what, count in symptoms.items())}")
    if any(symptoms.values()):
        print("  server log, last lines:\n" + tail(demo.log_path))
    print_summary(demo.database, rounds)
    return rounds


def print_comparison(results: dict[str, list[RoundResult]]) -> None:
    rows = [figures_row(DATABASES[database], rounds) for database, rounds in results.items()]
    print("\nSide by side, all rounds:")
    print(format_table(["database", *FIGURE_HEADERS[1:]], rows, FIGURE_RIGHT))


def is_clean(results: dict[str, list[RoundResult]]) -> bool:
    return all(
        not race.problems() and not r.negative_levels
        for rounds in results.values()
        for r in rounds
        for race in r.races
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=50, help="buyers per raced item (default 50)")
    parser.add_argument("--units", type=int, default=5, help="units of the raced coffee SKU (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="races, each with fresh stock (default 3)")
    parser.add_argument("--only", choices=sorted(DATABASES), help="race on one database only")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per gunicorn worker, gthread; 1 = sync workers (default 4)",
    )
    parser.add_argument(
        "--request-timeout", type=float, default=30, help="seconds allowed for one request (default 30)"
    )
    parser.add_argument(
        "--race-timeout", type=float, default=120, help="seconds allowed for one round's race (default 120)"
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"a PostgreSQL database to connect to for CREATE/DROP DATABASE (default {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--django-step", choices=["setup", "verify"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name, low, high in (
        ("buyers", 1, 500),
        ("units", 1, 99),
        ("rounds", 1, MAX_ROUNDS),
        ("workers", 1, 16),
        ("threads", 1, 32),
        ("request_timeout", 1, 300),
        ("race_timeout", 5, 600),
    ):
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.django_step:
        return django_step(args.django_step)
    exit_cleanly_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)  # figures and progress interleave in order
    databases = [args.only] if args.only else list(DATABASES)
    started = time.monotonic()
    print(
        f"Sambung checkout race: {', '.join(DATABASES[d] for d in databases)}; {args.rounds} rounds of "
        f"{args.buyers} buyers for {args.units} coffee units + {args.buyers} buyers for one piece"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        "the buyers (threads of this process), gunicorn and the database share this machine"
    )
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        print(
            f"warning: the machine is busy before the run (1-minute load average {load:.1f}); figures will be low"
        )
    try:
        with contextlib.ExitStack() as stack:
            demos = [
                stack.enter_context(throwaway_demo(database, postgres_url=args.postgres_url))
                for database in databases
            ]
            progress(f"loading the demo into {', '.join(DATABASES[d] for d in databases)} (about a minute)")
            with concurrent.futures.ThreadPoolExecutor(len(demos)) as pool:
                list(pool.map(prepare_demo, demos))  # one process per database, in parallel
            results = {demo.database: measure_database(demo, args) for demo in demos}
    except (BenchError, OSError) as exc:
        print(f"\nbench/checkout_race.py failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if len(results) > 1:
        print_comparison(results)
    clean = is_clean(results)
    print(
        f"\nverdict: {'no unit oversold, every buyer got an order or a sold-out message' if clean else 'PROBLEMS, see above'}"
        f" (whole run: {time.monotonic() - started:.0f} s)"
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
