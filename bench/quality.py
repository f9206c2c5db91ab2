"""Server time of two quality pages of the back office on SQLite: the listing-quality page of a cooperative with
1,000 products, and a maker's quality record with 1,000 inspections.

One run builds a throw-away data directory (SQLite file and media under /tmp/sambung-bench-quality-*, removed on
exit), migrates it, and creates one cooperative with 1,000 products through the catalogue's writers: half of them
textiles, half not, with descriptions from complete to bare, and 0 to 4 photos each (about 2,000: eight distinct
photos made by add_photo — sharp, blurred, dark, overexposed — shared by the other photo rows, since rendering
2,000 photos would take minutes). It measures every photo once with the real measuring code, as the page does a
few at a time (`manage.py measure_listing_photos` does all at once), then asks for /kelola/<cooperative>/mutu-listing/
as the manager through Django's test client, in-process: the time is the server's alone — middleware, view,
queries, scoring, template — without a network or a browser.

The maker's half: one weaver (among 20 makers with a few inspections each) whose 1,000 pieces are received and
inspected through quality.inspections.record_inspection (about 80 % grade A, 10 % B, 10 % rejected), 240 of them
sold through checkout in 60 orders, paid, shipped and delivered through orders.fulfilment, with 24 complaints
opened through feedback.complaints; the rows' dates are then spread over the last 15 months (an UPDATE of their
timestamps, as writing them a year ago would). It times /kelola/<cooperative>/mutu/pengrajin/<maker>/ (her
record) and /kelola/<cooperative>/mutu/pengrajin/ (all makers) the same way.

Figures: the median of several requests after the first (which warms caches and connections), their spread, the
number of queries, and where the listing page's time goes (listing_report's two queries and the scoring of all
1,000 products, against the rest: the view and the template of one page of 50). Target (issue 4): under 200 ms
for each page. The load average is printed too: on a busy machine every figure grows. Takes about two minutes.
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
INSPECTIONS = 1_000
DELIVERED_ORDERS, PIECES_PER_ORDER, COMPLAINTS = 60, 4, 24
OTHER_MAKERS = 20
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
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
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


def build_maker_record(cooperative, manager) -> tuple:
    """A weaver with INSPECTIONS inspections, deliveries and complaints, through the real writers; return her."""
    import datetime
    import random

    from django.db import transaction
    from django.utils import timezone

    from sambung.accounts.models import Membership
    from sambung.catalog.makers import save_maker
    from sambung.catalog.models import SKU, Category, Location, Maker, Node, Piece, Product
    from sambung.catalog.pieces import save_piece
    from sambung.catalog.products import save_product, save_sku
    from sambung.feedback.complaints import open_complaint
    from sambung.feedback.models import Complaint, ComplaintReason
    from sambung.orders import fulfilment
    from sambung.orders.cart import PricedLine
    from sambung.orders.checkout import Buyer, place_order, start_checkout
    from sambung.orders.models import Order, OrderEvent, OrderLine, ShippingRate
    from sambung.quality.inspections import record_inspection
    from sambung.quality.models import Inspection
    from sambung.quality.standards import Criterion, Effect, Kind, create_standard, current_version

    rng = random.Random(86_151)
    cooperative.bank_name, cooperative.bank_account_number = "Bank NTT", "001.02.03.004567-8"
    cooperative.bank_account_name = cooperative.name
    cooperative.save()
    category = Category.objects.create(slug="selendang", name_id="Selendang", name_en="Shawl")
    standard = create_standard(
        cooperative=cooperative,
        category=category,
        name_id="Standar selendang",
        name_en="Shawl standard",
        criteria=[
            Criterion("no_holes", Kind.PASS_FAIL, "Tanpa lubang", "No holes"),
            Criterion("even_weave", Kind.PASS_FAIL, "Tenunan rata", "Even weave", fail_effect=Effect.MINOR),
        ],
    )
    version = current_version(standard)
    product = save_product(
        product=Product(
            cooperative=cooperative,
            category=category,
            slug="selendang-bench",
            title_id="Selendang ikat",
            title_en="Ikat shawl",
            village_code="53.07.03.2005",
            is_published=True,
            weight_g=300,
            length_cm=30,
            width_cm=20,
            height_cm=2,
        )
    )
    sku = save_sku(sku=SKU(product=product, code="SEL", price=450_000, is_unique=True))
    node = Node.objects.create(cooperative=cooperative, kind=Node.Kind.HUB, name="hub Sikka")
    location = Location.objects.create(
        cooperative=cooperative,
        node=node,
        kind=Location.Kind.HUB,
        name="Hub Sikka",
        village_code="53.07.03.2005",
    )
    rate = ShippingRate.objects.create(
        cooperative=cooperative, courier="JNE REG", destination="53.07", first_kg=10_000, next_kg=8_000
    )
    inspector = Membership.objects.get(user=manager)
    weaver = save_maker(
        maker=Maker(cooperative=cooperative, name="Maria Bata", village_code="53.07.03.2005", shows_name=True)
    )
    others = [
        save_maker(
            maker=Maker(
                cooperative=cooperative, name=f"Penenun {n}", village_code="53.07.03.2005", shows_name=True
            )
        )
        for n in range(OTHER_MAKERS)
    ]
    answers = [
        ({"no_holes": "pass", "even_weave": "pass"}, 80),
        ({"no_holes": "pass", "even_weave": "fail"}, 10),
        ({"no_holes": "fail", "even_weave": "pass"}, 10),
    ]
    makers = [weaver] * INSPECTIONS + [maker for maker in others for _ in range(5)]
    passed: list = []
    for number, maker in enumerate(makers):
        piece = save_piece(piece=Piece(sku=sku, maker=maker, code=f"SEL-{number:05}"), received_at=location)
        results = rng.choices([a for a, _ in answers], weights=[w for _, w in answers])[0]
        inspection = record_inspection(
            piece=piece, standard_version=version, results=results, inspector=inspector
        )
        if maker is weaver and inspection.is_passed:
            passed.append(piece)

    buyer = Buyer("Maria Goreti", "+6281234567890", "", "Jl. Melati 5", "53.07.04.2001")
    sold = rng.sample(passed, DELIVERED_ORDERS * PIECES_PER_ORDER)
    orders = []
    for start in range(0, len(sold), PIECES_PER_ORDER):
        lines = [PricedLine(sku, piece, 1) for piece in sold[start : start + PIECES_PER_ORDER]]
        order = place_order(
            checkout=start_checkout(cooperative=cooperative, lines=lines),
            buyer=buyer,
            shipping_rate=rate,
            payment_method="bank_transfer",
        )
        fulfilment.confirm_payment(order=order)
        fulfilment.ship_order(order=order, courier="JNE REG", tracking_number=f"JNE{start:05}")
        fulfilment.record_delivery(order=order)
        orders.append(order)
    delivered_lines = list(OrderLine.objects.filter(order__in=orders))
    reasons = [ComplaintReason.DEFECT, ComplaintReason.NOT_AS_DESCRIBED, ComplaintReason.DAMAGED_IN_TRANSIT]
    for line in rng.sample(delivered_lines, COMPLAINTS):
        open_complaint(line=line, reason=rng.choice(reasons), text="Ada benang putus di tepi kain.")

    # Spread the rows over the last 15 months, as if recorded then: an inspection a few days after receipt, a
    # delivery some weeks after that, a complaint a week after delivery.
    now = timezone.now()
    day = datetime.timedelta(days=1)
    with transaction.atomic():
        inspected_at = {}
        for inspection in Inspection.objects.filter(cooperative=cooperative, sku=sku).only("pk", "piece_id"):
            when = now - rng.uniform(40, 455) * day
            inspected_at[inspection.piece_id] = when
            Inspection.objects.filter(pk=inspection.pk).update(created_at=when)
        for order in orders:
            first = max(inspected_at[line.piece_id] for line in delivered_lines if line.order_id == order.pk)
            delivered = min(now, first + rng.uniform(5, 40) * day)
            Order.objects.filter(pk=order.pk).update(created_at=delivered - 4 * day)
            OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.DELIVERED).update(
                created_at=delivered
            )
            Complaint.objects.filter(order_line__order=order).update(created_at=min(now, delivered + 7 * day))
    return weaver


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

        progress(f"recording {INSPECTIONS:,} inspections, deliveries and complaints of one maker")
        started = time.perf_counter()
        weaver = build_maker_record(cooperative, user)
        record_build_s = time.perf_counter() - started

        client = Client()
        client.force_login(user)
        path = reverse("feedback:listing_quality", args=[cooperative.slug])
        first_ms, _ = time_page(client, path)
        timed = [time_page(client, path) for _ in range(args.runs)]
        times = [ms for ms, _ in timed]
        median = statistics.median(times)

        from sambung.quality.records import maker_record

        shown = maker_record(weaver)
        maker_pages = {}
        for label, name, page_args in (
            ("maker's record, 1,000 inspections", "quality:maker_record", [cooperative.slug, weaver.pk]),
            (f"all {OTHER_MAKERS + 1} makers' records", "quality:maker_records", [cooperative.slug]),
        ):
            page = reverse(name, args=page_args)
            page_first, _ = time_page(client, page)
            page_timed = [time_page(client, page) for _ in range(args.runs)]
            maker_pages[label] = (page_first, page_timed)

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
            f"Quality pages on SQLite (DEBUG off, in-process): listing quality of {PRODUCTS:,} products with "
            f"{photos:,} photos; a maker's record of {INSPECTIONS:,} inspections, "
            f"{DELIVERED_ORDERS * PIECES_PER_ORDER} units delivered, {COMPLAINTS} complaints"
        )
        print()
        rows = [
            ["listing quality, first request", f"{first_ms:.1f}", "", ""],
            [
                f"listing quality, median of {args.runs} after the first",
                f"{median:.1f}",
                f"{min(times):.1f}–{max(times):.1f}",
                str(timed[0][1]),
            ],
            ["  of which: listing_report (queries + scoring)", f"{report_ms:.1f}", "", ""],
            ["  of which: the rest (view, template of 50 rows)", f"{median - report_ms:.1f}", "", ""],
        ]
        medians = [median]
        for label, (page_first, page_timed) in maker_pages.items():
            page_times = [ms for ms, _ in page_timed]
            medians.append(statistics.median(page_times))
            rows += [
                [f"{label}, first request", f"{page_first:.1f}", "", ""],
                [
                    f"{label}, median of {args.runs}",
                    f"{medians[-1]:.1f}",
                    f"{min(page_times):.1f}–{max(page_times):.1f}",
                    str(page_timed[0][1]),
                ],
            ]
        print(format_table(["", "ms", "range ms", "queries"], rows, [False, True, True, True]))
        print()
        met = all(m < TARGET_MS for m in medians)
        total = shown.total
        print(
            f"Her record shows the latest {len(shown.months)} months with activity "
            f"({shown.months[-1].month:%b %Y}–{shown.months[0].month:%b %Y}): {total.inspections:,} of her "
            f"{INSPECTIONS:,} inspections, {total.pass_rate:.1f} % passed, {total.units_delivered} units "
            f"delivered, {total.complaints} complaints ({total.complaint_rate:.1f} %)."
        )
        print(f"Target: < {TARGET_MS:.0f} ms for each page — {'met' if met else 'NOT met'}.")
        print(
            f"Measuring the photos once: {measured:,} photos in {measure_s:.1f} s "
            f"({1000 * measure_s / max(1, measured):.1f} ms each, from the detail rendition). "
            f"Building the data: {build_s:.0f} s (products), {record_build_s:.0f} s (the maker's record)."
        )
        return 0 if met else 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
