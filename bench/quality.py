"""Server time of the back office's listing-quality page for a cooperative of 1,000 products, on SQLite.

One run builds a throw-away data directory (SQLite file and media under /tmp/sambung-bench-quality-*, removed on
exit), migrates it, and creates one cooperative with 1,000 products through the catalogue's writers: half of them
textiles, half not, with descriptions from complete to bare, and 0 to 4 photos each (about 2,000: eight distinct
photos made by add_photo — sharp, blurred, dark, overexposed — shared by the other photo rows, since rendering
2,000 photos would take minutes). It measures every photo once with the real measuring code, as the page does a
few at a time (`manage.py measure_listing_photos` does all at once), then asks for /kelola/<cooperative>/mutu-listing/
as the manager through Django's test client, in-process: the time is the server's alone — middleware, view,
queries, scoring, template — without a network or a browser.

Figures: the median of several requests after the first (which warms caches and connections), their spread, the
number of queries, and where the time goes (listing_report's two queries and the scoring of all 1,000 products,
against the rest: the view and the template of one page of 50). Target (issue 4): under 200 ms. The load average
is printed too: on a busy machine every figure grows. Takes about a minute.
Usage: .venv/bin/python bench/quality.py [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _demo import ROOT, format_table, progress

PRODUCTS = 1_000
TARGET_MS = 200.0


def configure(data_dir: Path) -> None:
    """Point Django at the throw-away directory, production-like (DEBUG off), before anything imports settings."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SAMBUNG_DATA_DIR=str(data_dir),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SAMBUNG_HTTPS="false",
        ALLOWED_HOSTS="testserver,127.0.0.1",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def photo_pool() -> list[bytes]:
    """Small JPEGs of woven bands: sharp, blurred, dark and overexposed, in two sizes."""
    from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

    pool = []
    for size in ((480, 360), (360, 480)):
        image = Image.new("RGB", size, (60, 70, 110))
        draw = ImageDraw.Draw(image)
        for x in range(0, size[0], 12):
            draw.rectangle([x, 0, x + 4, size[1]], fill=(210, 180, 140))
        for y in range(0, size[1], 18):
            draw.rectangle([0, y, size[0], y + 3], fill=(150, 50, 30))
        variants = [
            image,
            image.filter(ImageFilter.GaussianBlur(4)),
            ImageEnhance.Brightness(image).enhance(0.15),
            ImageEnhance.Brightness(image).enhance(4.0),
        ]
        for variant in variants:
            buffer = io.BytesIO()
            variant.save(buffer, "JPEG", quality=85)
            pool.append(buffer.getvalue())
    return pool


def build_cooperative():
    """One cooperative with PRODUCTS products and their photos; return it, its manager and the photo count.

    Products go through the catalogue's writers. Photos too, for a pool of eight distinct ones; the other
    products' photo rows point at the pool's files, as rendering 2,000 photos would take minutes, not seconds.
    """
    import random

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from sambung.accounts.models import Membership, Role
    from sambung.catalog.models import SKU, Category, Cooperative, Photo, Product
    from sambung.catalog.photos import add_photo
    from sambung.catalog.products import save_product, save_sku

    rng = random.Random(53_07)
    cooperative = Cooperative.objects.create(
        slug="bench", name="Koperasi Bench", regency_code="53.07", village_code="53.07.05.1009"
    )
    ikat = Category.objects.create(slug="sarung-ikat", name_id="Sarung ikat", name_en="Ikat sarong")
    coffee = Category.objects.create(slug="kopi", name_id="Kopi", name_en="Coffee")
    story = "Ditenun di Desa Sikka dengan benang pintal tangan dan pewarna alam, selama beberapa minggu. "
    products = []
    with transaction.atomic():
        for number in range(PRODUCTS):
            textile = number % 2 == 0
            complete = rng.random()  # how much of the description is filled in
            product = save_product(
                product=Product(
                    cooperative=cooperative,
                    category=ikat if textile else coffee,
                    slug=f"produk-{number}",
                    title_id=f"Produk {number}",
                    title_en=f"Product {number}" if complete > 0.3 else "",
                    story_id=story * (2 if complete > 0.2 else 0),
                    story_en=story if complete > 0.5 else "",
                    village_code="53.07.03.2005",
                    motif="Mata Manuk" if textile and complete > 0.4 else "",
                    motif_meaning_id="Mata ayam: kewaspadaan." if textile and complete > 0.6 else "",
                    yarn=Product.Yarn.HANDSPUN if textile and complete > 0.3 else "",
                    dye=Product.Dye.NATURAL if textile and complete > 0.3 else "",
                    length_cm=180 if complete > 0.25 else None,
                    width_cm=65 if complete > 0.25 else None,
                    height_cm=None if textile else 6,
                    weight_g=700 if complete > 0.35 else None,
                    care_id="Cuci tangan." if complete > 0.45 else "",
                    care_en="Hand wash." if complete > 0.7 else "",
                    is_published=complete > 0.2,
                )
            )
            save_sku(sku=SKU(product=product, code=f"P{number}", price=100_000 + number))
            products.append(product)
    pool = [add_photo(upload=data, product=products[0]) for data in photo_pool()]
    copied = ("original", "thumb", "thumb_width", "thumb_height", "detail", "detail_width", "detail_height")
    rows = []
    for product in products[1:]:
        for position in range(rng.choice([0, 1, 2, 2, 3, 4])):
            source = rng.choice(pool)
            rows.append(
                Photo(product=product, position=position, **{name: getattr(source, name) for name in copied})
            )
    Photo.objects.bulk_create(rows, batch_size=500)
    user = get_user_model().objects.create_user(username="manajer-bench", password=secrets.token_urlsafe())
    Membership.objects.create(user=user, cooperative=cooperative, role=Role.MANAGER)
    return cooperative, user, len(pool) + len(rows)


def time_page(client, path: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed, len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed requests after the first (default 7)")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="sambung-bench-quality-"))
    (data_dir / "static").mkdir()  # whitenoise warns about a missing STATIC_ROOT on every start
    try:
        configure(data_dir)
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        from sambung.catalog.listing import listing_report
        from sambung.feedback.photo_checks import measure_photos, unmeasured_photos

        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        progress(f"migrating {data_dir}")
        call_command("migrate", verbosity=0)
        progress(f"creating {PRODUCTS:,} products with photos")
        started = time.perf_counter()
        cooperative, user, photos = build_cooperative()
        build_s = time.perf_counter() - started

        started = time.perf_counter()
        measured = measure_photos(photos=unmeasured_photos(cooperative))
        measure_s = time.perf_counter() - started

        client = Client()
        client.force_login(user)
        path = reverse("feedback:listing_quality", args=[cooperative.slug])
        first_ms, _ = time_page(client, path)
        timed = [time_page(client, path) for _ in range(args.runs)]
        times = [ms for ms, _ in timed]
        median = statistics.median(times)

        report_times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            listing_report(cooperative)
            report_times.append((time.perf_counter() - started) * 1000)
        report_ms = statistics.median(report_times)

        print(
            f"Load average before the run: {load} on {os.cpu_count()} CPUs (other work slows every figure)."
        )
        print(
            f"Listing-quality page, {PRODUCTS:,} products, {photos:,} photos, SQLite (DEBUG off, in-process)"
        )
        print()
        rows = [
            ["page, first request", f"{first_ms:.1f}", "", ""],
            [
                f"page, median of {args.runs} after the first",
                f"{median:.1f}",
                f"{min(times):.1f}–{max(times):.1f}",
                str(timed[0][1]),
            ],
            ["  of which: listing_report (queries + scoring)", f"{report_ms:.1f}", "", ""],
            ["  of which: the rest (view, template of 50 rows)", f"{median - report_ms:.1f}", "", ""],
        ]
        print(format_table(["", "ms", "range ms", "queries"], rows, [False, True, True, True]))
        print()
        print(f"Target: < {TARGET_MS:.0f} ms — {'met' if median < TARGET_MS else 'NOT met'}.")
        print(
            f"Measuring the photos once: {measured:,} photos in {measure_s:.1f} s "
            f"({1000 * measure_s / max(1, measured):.1f} ms each, from the detail rendition). "
            f"Building the data: {build_s:.0f} s."
        )
        return 0 if median < TARGET_MS else 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
