"""Bytes, first contentful paint and load time of each storefront page in Chromium on an emulated slow link.

Every page is loaded in a fresh browser context (an empty cache) with the link emulated through the DevTools
protocol: 400 kbit/s down and up with 400 ms latency, then the DevTools "3G" preset (400 kbit/s, 2,000 ms).
By default a production-like server on a throw-away SQLite demo is started; --base-url measures a running one.
Usage: .venv/bin/python bench/pages.py [--base-url http://127.0.0.1:8000] [--page-timeout 60]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from _demo import (
    BenchError,
    exit_cleanly_on_sigterm,
    fetch,
    format_table,
    prepare_demo,
    progress,
    serve,
    throwaway_demo,
)
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

KB = 1024  # as in the design's budgets and the photo code (THUMB_MAX_BYTES = 15 * 1024)
HTML_CSS_JS_BUDGET = 30 * KB
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 412, "height": 915}  # a common Android phone: the fold decides which photos load eagerly
# After the load event lazy photos near the viewport still arrive (Chromium fetches lazy images up to 1,250 px
# below the fold, 2,500 px on a slow link): wait for the network to go quiet, within the page's timeout.
MIN_SETTLE_MS = 1_000
COOPERATIVE_PATH = "/koperasi/nian-tana/"
PRODUCT_PATH = "/produk/sarung-mata-manuk-indigo/"
MAKER_LINK = re.compile(r"/pengrajin/[0-9a-f-]{36}/")

CATEGORIES = ("document", "css", "js", "image", "font", "other")
CATEGORY_OF_TYPE = {
    "Document": "document",
    "Stylesheet": "css",
    "Script": "js",
    "Image": "image",
    "Font": "font",
}

# Times are relative to the start of navigation, as the browser records them.
TIMINGS_JS = """() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const navigation = performance.getEntriesByType('navigation')[0];
  return {
    fcp: paint ? paint.startTime : null,
    load: navigation && navigation.loadEventEnd > 0 ? navigation.loadEventEnd : null,
  };
}"""


@dataclass(frozen=True)
class Profile:
    name: str
    latency_ms: int
    bytes_per_second: int
    fcp_budget_ms: int | None  # the design sets an FCP budget for the 400 ms profile only


PROFILES = [
    Profile("400 kbit/s down and up, 400 ms latency", 400, 50_000, 2_000),
    Profile('DevTools "3G": 400 kbit/s down and up, 2,000 ms latency', 2_000, 50_000, None),
]


@dataclass
class NetworkLog:
    """The CDP Network events of one page: the resource type of each request and its bytes on the wire."""

    types: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    wire_bytes: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    redirects: int = 0

    def on_request(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        self.types.setdefault(request_id, event.get("type", "Other"))
        self.urls[request_id] = event["request"]["url"]
        redirect = event.get("redirectResponse")
        if redirect:  # the redirect's bytes arrive under the same id, before the final response
            self.redirects += 1
            key = f"{request_id}:redirect:{self.redirects}"
            self.types[key], self.urls[key] = self.types[request_id], redirect["url"]
            self.statuses[key], self.wire_bytes[key] = redirect["status"], int(redirect["encodedDataLength"])

    def on_response(self, event: dict[str, Any]) -> None:
        self.types[event["requestId"]] = event["type"]
        self.statuses[event["requestId"]] = event["response"]["status"]

    def on_finished(self, event: dict[str, Any]) -> None:
        self.wire_bytes[event["requestId"]] = int(event["encodedDataLength"])

    def on_failed(self, event: dict[str, Any]) -> None:
        self.failed[event["requestId"]] = event.get("errorText", "failed")

    def bytes_by_category(self) -> dict[str, int]:
        totals = dict.fromkeys(CATEGORIES, 0)
        for request_id, size in self.wire_bytes.items():
            totals[CATEGORY_OF_TYPE.get(self.types.get(request_id, "Other"), "other")] += size
        return totals

    def problems(self) -> list[str]:
        found = [f"{self.urls.get(i, i)} answered {s}" for i, s in self.statuses.items() if s >= 400]
        found += [f"{self.urls.get(i, i)} failed: {error}" for i, error in self.failed.items()]
        unfinished = sorted(set(self.urls) - set(self.wire_bytes) - set(self.failed))
        if unfinished:
            found.append(
                f"{len(unfinished)} requests still loading when measured, e.g. {self.urls[unfinished[0]]}"
            )
        return found


@dataclass(frozen=True)
class PageLoad:
    bytes_by_category: dict[str, int]
    requests: int
    fcp_ms: float | None
    load_ms: float | None
    problems: list[str]

    @property
    def total(self) -> int:
        return sum(self.bytes_by_category.values())

    @property
    def html_css_js(self) -> int:
        return sum(self.bytes_by_category[c] for c in ("document", "css", "js"))


def find_maker_path(base_url: str) -> str | None:
    """Return the address of a maker who agreed to be shown, from the cooperative or a product page."""
    for path in (COOPERATIVE_PATH, PRODUCT_PATH):
        with suppress(OSError):
            status, body = fetch(base_url + path)
            match = MAKER_LINK.search(body.decode(errors="replace")) if status == 200 else None
            if match:
                return match.group(0)
    return None


def storefront_pages(base_url: str) -> list[tuple[str, str]]:
    pages = [
        ("home", "/"),
        ("list", "/produk/"),
        ("search", "/produk/?q=mata+manuk"),
        ("product", PRODUCT_PATH),
        ("cooperative", COOPERATIVE_PATH),
    ]
    maker_path = find_maker_path(base_url)
    if maker_path:
        pages.append(("maker", maker_path))
    else:
        progress(f"no maker link found on {COOPERATIVE_PATH} or {PRODUCT_PATH}; skipping the maker page")
    pages.append(("home (en)", "/en/"))
    return pages


def check_pages_answer(base_url: str, pages: Sequence[tuple[str, str]]) -> None:
    """Request each page once (which also warms the server up); fail early on anything but 200."""
    for _, path in pages:
        status, _ = fetch(base_url + path)
        if status != 200:
            raise BenchError(f"{base_url}{path} answered {status}")


def load_page(browser: Browser, url: str, profile: Profile, timeout_ms: float) -> PageLoad:
    """Load one page in a fresh context (cold cache) under the profile; measure bytes and paint times."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        log = NetworkLog()
        cdp.on("Network.requestWillBeSent", log.on_request)
        cdp.on("Network.responseReceived", log.on_response)
        cdp.on("Network.loadingFinished", log.on_finished)
        cdp.on("Network.loadingFailed", log.on_failed)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": profile.latency_ms,
                "downloadThroughput": profile.bytes_per_second,
                "uploadThroughput": profile.bytes_per_second,
            },
        )
        problems = []
        deadline = time.monotonic() + timeout_ms / 1000
        try:
            page.goto(url, wait_until="load", timeout=timeout_ms)
        except PlaywrightTimeoutError:
            problems.append(f"no load event within {timeout_ms / 1000:.0f} s")
        settle_ms = max(MIN_SETTLE_MS, (deadline - time.monotonic()) * 1000)
        with suppress(PlaywrightTimeoutError):
            page.wait_for_load_state("networkidle", timeout=settle_ms)
        timings = page.evaluate(TIMINGS_JS)
        return PageLoad(
            log.bytes_by_category(), len(log.urls), timings["fcp"], timings["load"], problems + log.problems()
        )
    finally:
        context.close()


def budget_verdict(load: PageLoad, profile: Profile) -> str:
    over = []
    if load.html_css_js > HTML_CSS_JS_BUDGET:
        over.append(f"HTML+CSS+JS > {HTML_CSS_JS_BUDGET // KB} KB")
    if profile.fcp_budget_ms is not None and (load.fcp_ms is None or load.fcp_ms > profile.fcp_budget_ms):
        over.append(f"FCP > {profile.fcp_budget_ms / 1000:g} s")
    return "OVER: " + ", ".join(over) if over else "ok"


def kilobytes(size: int) -> str:
    return f"{size / KB:.1f}"


def seconds(milliseconds: float | None) -> str:
    return "-" if milliseconds is None else f"{milliseconds / 1000:.2f}"


def table_row(name: str, load: PageLoad, profile: Profile) -> list[str]:
    sizes = [kilobytes(load.bytes_by_category[c]) for c in CATEGORIES]
    return [
        name,
        *sizes,
        kilobytes(load.total),
        kilobytes(load.html_css_js),
        str(load.requests),
        seconds(load.fcp_ms),
        seconds(load.load_ms),
        budget_verdict(load, profile),
    ]


def print_profile(profile: Profile, rows: list[list[str]], notes: list[str]) -> None:
    headers = ["page", "doc KB", "css KB", "js KB", "img KB", "font KB", "other KB", "total KB"]
    headers += ["HTML+CSS+JS KB", "requests", "FCP s", "load s", "budget"]
    right = [False] + [True] * (len(headers) - 2) + [False]
    print(f"\n{profile.name}")
    print(format_table(headers, rows, right))
    for note in notes:
        print(f"  note: {note}")


def measure_profile(
    browser: Browser,
    base_url: str,
    pages: Sequence[tuple[str, str]],
    profile: Profile,
    args: argparse.Namespace,
) -> None:
    rows, notes = [], []
    for name, path in pages:
        remaining_s = args.deadline - time.monotonic()
        if remaining_s <= 1:
            rows.append([name] + ["-"] * 11 + ["skipped: --run-timeout reached"])
            continue
        progress(f"{profile.name}: {name} {path}")
        try:
            load = load_page(browser, base_url + path, profile, min(args.page_timeout, remaining_s) * 1000)
        except PlaywrightError as exc:
            rows.append([name] + ["-"] * 11 + ["error"])
            notes.append(f"{name}: {str(exc).splitlines()[0]}")
            continue
        rows.append(table_row(name, load, profile))
        notes += [f"{name}: {problem}" for problem in load.problems]
    print_profile(profile, rows, notes)


def measure(base_url: str, args: argparse.Namespace) -> None:
    pages = storefront_pages(base_url)
    check_pages_answer(base_url, pages)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            print(
                f"Sambung storefront pages at {base_url}: Chromium {browser.version}, "
                f"viewport {VIEWPORT['width']}x{VIEWPORT['height']}, fresh context (empty cache) per page"
            )
            print(
                f"budgets: HTML+CSS+JS <= {HTML_CSS_JS_BUDGET // KB} KB on the wire; FCP <= 2 s on 400 ms; "
                "bytes are encodedDataLength (headers + compressed body); times from navigation start"
            )
            print(f"1-minute load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            for name, path in pages:
                print(f"  {name:<12} {path}")
            for profile in PROFILES:
                measure_profile(browser, base_url, pages, profile, args)
        finally:
            browser.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="measure a running demo, e.g. http://127.0.0.1:8000 (make demo)")
    parser.add_argument("--page-timeout", type=float, default=60, help="seconds per page load (default 60)")
    parser.add_argument(
        "--run-timeout", type=float, default=900, help="seconds for the whole run; later pages are skipped"
    )
    args = parser.parse_args(argv)
    if args.base_url:
        args.base_url = args.base_url.rstrip("/")
        if not args.base_url.startswith("http://"):
            parser.error("--base-url must be an http:// address")
    if not 1 <= args.page_timeout <= 600:
        parser.error("--page-timeout must be between 1 and 600 seconds")
    args.deadline = time.monotonic() + args.run_timeout
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    exit_cleanly_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)
    try:
        if args.base_url:
            measure(args.base_url, args)
            return 0
        with throwaway_demo("sqlite") as demo:
            progress(
                "loading the demo cooperative with photos into a throw-away SQLite database (about 35 s)"
            )
            prepare_demo(demo)
            with serve(demo) as server:
                measure(server.base_url, args)
    except (BenchError, OSError, PlaywrightError) as exc:
        print(f"\nbench/pages.py failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
