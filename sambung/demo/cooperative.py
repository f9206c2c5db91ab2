"""The demo cooperative: weavers of Kabupaten Sikka (53.07), their ikat, and a little coffee.

Loading twice duplicates nothing: every row is looked up by its natural key (slug, code, username) first.
All texts are demo texts written for Sambung; names of people are invented.
"""

import datetime
import random
import zlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from sambung.accounts.models import Membership, Role
from sambung.catalog.makers import save_maker
from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker, Node, Piece, Product
from sambung.catalog.photos import add_photo
from sambung.catalog.pieces import save_piece
from sambung.catalog.products import save_product, save_sku
from sambung.demo.drawing import draw_coffee, draw_ikat
from sambung.demo.hub import load_hub_demo
from sambung.demo.production import load_production_demo
from sambung.inventory.models import Position, StockLevel
from sambung.inventory.stock import receive_stock
from sambung.lib.regions import get_village
from sambung.orders.models import ShippingRate
from sambung.quality.inspections import record_inspection
from sambung.quality.models import Inspection, Standard
from sambung.quality.standards import add_default_standard, criteria_of, current_version, passing_value

DEMO_PASSWORD = "sambung-demo"  # noqa: S105 — printed on the demo's start page; demo data only
SIKKA = "53.07"
GI_NAME, GI_NUMBER = "Tenun Ikat Sikka", "ID G 000000056"
TODAY = datetime.date(2026, 11, 1)

CATEGORIES = [
    ("sarung-ikat", "Sarung tenun ikat", "Ikat sarong", 1),
    ("selendang-ikat", "Selendang tenun ikat", "Ikat shawl", 2),
    ("kopi", "Kopi", "Coffee", 3),
]

# (name, village code, shows name, skills)
MAKERS = [
    ("Maria Goreti Nona", "53.07.03.2005", True, "memintal, mengikat, mewarnai alami, menenun"),
    ("Yosefina Dua", "53.07.03.2005", True, "mengikat motif, menenun"),
    ("Theresia Bura", "53.07.03.2001", True, "pewarna alam, menenun"),
    ("Veronika Ina", "53.07.03.2009", False, "menenun"),
    ("Agustina Moa", "53.07.03.2007", True, "memintal, menenun"),
    ("Bernadete Lero", "53.07.04.2001", True, "mengikat motif, pewarna alam"),
    ("Katarina Sega", "53.07.04.2005", True, "menenun selendang"),
    ("Elisabeth Wua", "53.07.04.2003", False, "menenun"),
    ("Margareta Hoda", "53.07.18.2005", True, "memintal, mengikat, menenun"),
    ("Florentina Nurak", "53.07.18.2004", True, "pewarna alam, menenun"),
    ("Paulina Kewa", "53.07.18.2003", False, "menenun"),
    ("Anastasia Lering", "53.07.10.2009", True, "menenun sarung"),
    ("Helena Wae", "53.07.10.2016", True, "mengikat motif"),
    ("Kristina Bao", "53.07.10.2007", True, "menenun"),
    ("Yuliana Mitan", "53.07.19.2005", False, "memintal, menenun"),
    ("Regina Lusi", "53.07.19.2009", True, "menenun selendang"),
    ("Fransiska Dona", "53.07.04.2004", True, "pewarna alam"),
    ("Lusia Gete", "53.07.03.2002", False, "menenun"),
    ("Sisilia Ratu", "53.07.09.2002", True, "petani kopi"),
    ("Wilhelmina Pare", "53.07.09.2011", False, "petani kopi, pengolah pascapanen"),
]

# (motif, meaning id, meaning en)
MOTIFS = [
    (
        "Mata Manuk",
        "Mata ayam: kewaspadaan dan penjagaan rumah tangga.",
        "The chicken's eye: watchfulness over the household.",
    ),
    (
        "Jentu",
        "Bunga yang mekar: harapan akan hidup yang berbuah.",
        "A flower in bloom: the hope of a fruitful life.",
    ),
    (
        "Okukirei",
        "Motif pusaka keluarga, diturunkan dari ibu ke anak perempuan.",
        "A family heirloom motif, handed from mother to daughter.",
    ),
    (
        "Wenda",
        "Jalinan belah ketupat: ikatan antara keluarga dan kampung.",
        "Interlaced lozenges: the bonds between families and the village.",
    ),
    (
        "Mawarani",
        "Bintang pagi: penunjuk arah bagi pelaut Sikka.",
        "The morning star: the guide of Sikka's seafarers.",
    ),
    (
        "Rempe Sikka",
        "Motif perahu: perjalanan dan perdagangan di Laut Flores.",
        "The boat motif: voyages and trade on the Flores Sea.",
    ),
    (
        "Utan Inang",
        "Kain ibu: dikenakan pada upacara adat keluarga.",
        "The mother's cloth: worn at family ceremonies.",
    ),
]

# (yarn, dye, palette, price, dye sources)
SARUNG_KINDS = [
    ("handspun", "natural", "indigo", 2_750_000, "tarum (indigo), akar mengkudu"),
    ("handspun", "natural", "morinda", 3_250_000, "akar mengkudu, kulit kayu loba"),
    ("factory", "natural", "black", 1_250_000, "tarum, lumpur"),
    ("factory", "natural", "turmeric", 1_150_000, "kunyit, tarum"),
    ("factory", "synthetic", "synthetic", 650_000, ""),
]

STORY_ID = (
    "Sarung ini ditenun dengan alat tenun gedogan oleh penenun {koperasi} di Desa {desa}. "
    "Benang {benang} diikat menurut motif {motif}, dicelup {celup}, lalu ditenun selama beberapa minggu. "
    "Setiap lembar sedikit berbeda: begitulah tenun ikat yang dikerjakan dengan tangan."
)
STORY_EN = (
    "This sarong was woven on a backstrap loom by a weaver of {koperasi} in the village of {desa}. "
    "The {benang_en} yarn was tied to the {motif} pattern, dyed {celup_en}, then woven over several weeks. "
    "Each piece differs a little: that is how hand-tied ikat is made."
)
CARE_ID = "Cuci dengan tangan memakai air dingin dan sabun lembut; jemur di tempat teduh."
CARE_EN = "Hand wash in cold water with mild soap; dry in the shade."


@dataclass
class DemoSummary:
    cooperative: Cooperative
    products: int
    makers: int
    pieces: int
    photos: int
    logins: list[tuple[str, str]]
    inspections: int = 0


def load_demo(*, photo_size: tuple[int, int] = (1200, 900), with_photos: bool = True) -> DemoSummary:
    """Create the demo cooperative, or complete it where an earlier load stopped."""
    rng = random.Random(53_07)
    with transaction.atomic():
        categories = {
            slug: _category(slug, name_id, name_en, pos) for slug, name_id, name_en, pos in CATEGORIES
        }
        cooperative, locations = _cooperative()
        _payments_and_shipping(cooperative)
        makers = [_maker(cooperative, *row) for row in MAKERS]
        weavers = [m for m in makers if "kopi" not in m.skills]
        products = _sarung_and_selendang(cooperative, categories, rng)
        products += _coffee(cooperative, categories["kopi"], locations["warehouse"])
        pieces = _pieces(products, weavers, locations)
        logins = _users(cooperative, makers[0])
    photos = _photos(products, pieces, photo_size) if with_photos else 0
    load_production_demo(cooperative=cooperative, makers=makers, products=products)
    inspections = _inspections(cooperative, products, pieces, locations["warehouse"], photo_size)
    load_hub_demo(cooperative=cooperative, hub=locations["hub"])
    return DemoSummary(cooperative, len(products), len(makers), len(pieces), photos, logins, inspections)


def _category(slug: str, name_id: str, name_en: str, position: int) -> Category:
    category, _ = Category.objects.get_or_create(
        slug=slug, defaults={"name_id": name_id, "name_en": name_en, "position": position}
    )
    return category


def _cooperative() -> tuple[Cooperative, dict[str, Location]]:
    cooperative = Cooperative.objects.filter(slug="nian-tana").first() or Cooperative.objects.create(
        slug="nian-tana",
        name="Koperasi Tenun Nian Tana",
        regency_code=SIKKA,
        village_code="53.07.05.1009",
        address="Jl. Contoh No. 1, Maumere",
        whatsapp="+6281234567890",
        email="koperasi@nian-tana.example",
        description_id=(
            "Koperasi penenun dan petani di Kabupaten Sikka, Flores, Nusa Tenggara Timur. Anggotanya memintal, "
            "mengikat, mewarnai dan menenun di desa-desa mereka; koperasi memeriksa mutu, menyimpan dan mengirim. "
            "(Data contoh untuk demo Sambung.)"
        ),
        description_en=(
            "A cooperative of weavers and farmers in Kabupaten Sikka, Flores, East Nusa Tenggara. Its members "
            "spin, tie, dye and weave in their villages; the cooperative checks quality, stores and ships. "
            "(Example data for the Sambung demo.)"
        ),
    )
    centre = Node.objects.filter(kind=Node.Kind.CENTRE).first() or Node.objects.create(
        kind=Node.Kind.CENTRE, name="Sambung pusat"
    )
    hub = Node.objects.filter(cooperative=cooperative, name="Hub Desa Sikka").first() or Node.objects.create(
        cooperative=cooperative, kind=Node.Kind.HUB, name="Hub Desa Sikka"
    )
    specs = {
        "warehouse": ("Gudang Maumere", Location.Kind.WAREHOUSE, centre, "53.07.05.1009"),
        "hub": ("Hub Desa Sikka", Location.Kind.HUB, hub, "53.07.03.2005"),
    }
    locations = {}
    for key, (name, kind, node, village) in specs.items():
        locations[key] = Location.objects.filter(
            cooperative=cooperative, name=name
        ).first() or Location.objects.create(
            cooperative=cooperative, name=name, kind=kind, node=node, village_code=village
        )
    return cooperative, locations


# A sample static QRIS built on the public test merchant account: it scans, but pays no real account.
DEMO_QRIS = (
    "00020101021126620014COM.GO-JEK.WWW011993600914123456789010210G1234567890303UMI51440014ID.CO.QRIS.WWW"
    "0215ID10200123456780303UMI5204581253033605802ID5919KOP TENUN NIAN TANA6007MAUMERE61058611362120708TOKO-WEB"
    "6304AB8B"
)
# (courier service, destination zone, first kg, each further kg, days min, days max)
DEMO_RATES = [
    ("JNE REG", "53.07", 10_000, 8_000, 1, 2),
    ("JNE REG", "53", 28_000, 22_000, 2, 4),
    ("JNE REG", "", 62_000, 48_000, 4, 7),
    ("POS Kilat Khusus", "53", 24_000, 19_000, 3, 5),
    ("POS Kilat Khusus", "", 55_000, 42_000, 5, 9),
]


def _payments_and_shipping(cooperative: Cooperative) -> None:
    if not cooperative.qris_static:
        cooperative.qris_static = DEMO_QRIS
        cooperative.bank_name = "Bank NTT"
        cooperative.bank_account_number = "001.02.03.004567-8"
        cooperative.bank_account_name = "Koperasi Tenun Nian Tana"
        cooperative.save()
    for courier, destination, first_kg, next_kg, days_min, days_max in DEMO_RATES:
        ShippingRate.objects.get_or_create(
            cooperative=cooperative,
            courier=courier,
            destination=destination,
            defaults={"first_kg": first_kg, "next_kg": next_kg, "days_min": days_min, "days_max": days_max},
        )


def _maker(cooperative: Cooperative, name: str, village_code: str, shows_name: bool, skills: str) -> Maker:
    maker = Maker.objects.filter(cooperative=cooperative, name=name).first()
    if maker:
        return maker
    village = get_village(village_code)
    first = name.split()[0]
    return save_maker(
        maker=Maker(
            cooperative=cooperative,
            name=name,
            village_code=village_code,
            shows_name=shows_name,
            shows_photo=shows_name,
            skills=skills,
            bio_id=f"{first} tinggal di Desa {village.name}, Kecamatan {village.district}. Keahliannya: {skills}.",
            bio_en=f"{first} lives in the village of {village.name}, {village.district} district. She works at: {skills}.",
        )
    )


def _sarung_and_selendang(cooperative, categories, rng) -> list[Product]:
    products = []
    villages = sorted({m[1] for m in MAKERS if "kopi" not in m[3]})
    for index, (motif, meaning_id, meaning_en) in enumerate(MOTIFS):
        for kind_index, (yarn, dye, palette, price, sources) in enumerate(
            SARUNG_KINDS[: 4 if index % 2 else 5]
        ):
            village = get_village(villages[(index * 5 + kind_index) % len(villages)])
            slug = f"sarung-{motif.lower().replace(' ', '-')}-{palette}"
            benang = "pintal tangan" if yarn == "handspun" else "pabrik"
            celup = f"dengan pewarna alam ({sources})" if dye == "natural" else "dengan pewarna sintetis"
            celup_en = "with natural dyes" if dye == "natural" else "with synthetic dyes"
            products.append(
                _product(
                    cooperative,
                    categories["sarung-ikat"],
                    slug,
                    dict(
                        title_id=f"Sarung Ikat {motif} — {_palette_id(palette)}",
                        title_en=f"{motif} ikat sarong — {_palette_en(palette)}",
                        story_id=STORY_ID.format(
                            koperasi=cooperative.name,
                            desa=village.name,
                            benang=benang,
                            motif=motif,
                            celup=celup,
                        ),
                        story_en=STORY_EN.format(
                            koperasi=cooperative.name,
                            desa=village.name,
                            benang_en="handspun" if yarn == "handspun" else "factory-spun",
                            motif=motif,
                            celup_en=celup_en,
                        ),
                        village_code=village.code,
                        motif=motif,
                        motif_meaning_id=meaning_id,
                        motif_meaning_en=meaning_en,
                        yarn=yarn,
                        dye=dye,
                        dyes_used=sources,
                        length_cm=rng.choice([170, 180, 190]),
                        width_cm=rng.choice([60, 65, 70]),
                        height_cm=3,
                        weight_g=rng.choice([600, 700, 800]),
                        gi_name=GI_NAME if yarn == "handspun" and dye == "natural" else "",
                        gi_number=GI_NUMBER if yarn == "handspun" and dye == "natural" else "",
                        care_id=CARE_ID,
                        care_en=CARE_EN,
                    ),
                    price=price + 50_000 * rng.randint(0, 6),
                    palette=palette,
                )
            )
    for index, (motif, meaning_id, meaning_en) in enumerate(MOTIFS[:5]):
        for palette, dye, price in (("morinda", "natural", 450_000), ("synthetic", "synthetic", 250_000)):
            village = get_village(villages[(index * 3 + 1) % len(villages)])
            slug = f"selendang-{motif.lower().replace(' ', '-')}-{palette}"
            products.append(
                _product(
                    cooperative,
                    categories["selendang-ikat"],
                    slug,
                    dict(
                        title_id=f"Selendang Ikat {motif} — {_palette_id(palette)}",
                        title_en=f"{motif} ikat shawl — {_palette_en(palette)}",
                        story_id=f"Selendang tenun ikat bermotif {motif} dari Desa {village.name}, dikenakan pada pesta dan misa hari Minggu.",
                        story_en=f"An ikat shawl with the {motif} motif from the village of {village.name}, worn at feasts and Sunday mass.",
                        village_code=village.code,
                        motif=motif,
                        motif_meaning_id=meaning_id,
                        motif_meaning_en=meaning_en,
                        yarn="factory",
                        dye=dye,
                        dyes_used="akar mengkudu" if dye == "natural" else "",
                        length_cm=180,
                        width_cm=30,
                        height_cm=2,
                        weight_g=250,
                        care_id=CARE_ID,
                        care_en=CARE_EN,
                    ),
                    price=price + 25_000 * rng.randint(0, 4),
                    palette=palette,
                )
            )
    return products


def _palette_id(palette: str) -> str:
    return {
        "indigo": "biru tarum",
        "morinda": "merah mengkudu",
        "black": "hitam",
        "turmeric": "kuning kunyit",
        "synthetic": "warna cerah",
    }[palette]


def _palette_en(palette: str) -> str:
    return {
        "indigo": "indigo blue",
        "morinda": "morinda red",
        "black": "black",
        "turmeric": "turmeric yellow",
        "synthetic": "bright colours",
    }[palette]


def _product(
    cooperative, category, slug: str, fields: dict, *, price: int, palette: str = "", unique: bool = True
) -> Product:
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        product = save_product(
            product=Product(
                cooperative=cooperative, category=category, slug=slug, is_published=True, **fields
            )
        )
        save_sku(sku=SKU(product=product, code=slug.upper()[:40], price=price, is_unique=unique))
    product.demo_palette = palette
    return product


def _coffee(cooperative, category, warehouse) -> list[Product]:
    products = []
    for slug, title_id, title_en, village_code, price, stock in (
        (
            "kopi-arabika-egon-250g",
            "Kopi Arabika Lereng Egon 250 g",
            "Egon slopes arabica coffee, 250 g",
            "53.07.09.2002",
            85_000,
            40,
        ),
        (
            "kopi-robusta-sikka-250g",
            "Kopi Robusta Sikka 250 g",
            "Sikka robusta coffee, 250 g",
            "53.07.09.2011",
            60_000,
            25,
        ),
        (
            "kopi-arabika-egon-1kg",
            "Kopi Arabika Lereng Egon 1 kg",
            "Egon slopes arabica coffee, 1 kg",
            "53.07.09.2002",
            300_000,
            0,
        ),
    ):
        existed = Product.objects.filter(slug=slug).exists()
        village = get_village(village_code)
        product = _product(
            cooperative,
            category,
            slug,
            dict(
                title_id=title_id,
                title_en=title_en,
                village_code=village_code,
                story_id=f"Biji kopi dari kebun anggota koperasi di Desa {village.name}, dipetik merah, dijemur dan disangrai di Maumere.",
                story_en=f"Beans from members' gardens in the village of {village.name}, picked ripe, sun-dried and roasted in Maumere.",
                length_cm=20,
                width_cm=12,
                height_cm=6,
                weight_g=270 if "250" in slug else 1050,
                care_id="Simpan di tempat kering dan sejuk, tertutup rapat.",
                care_en="Keep sealed in a cool, dry place.",
            ),
            price=price,
            unique=False,
        )
        if not existed and stock:
            receive_stock(sku=product.skus.get(), location=warehouse, quantity=stock, reference="demo")
        product.demo_coffee = True
        products.append(product)
    return products


def _pieces(products, weavers, locations) -> list[Piece]:
    pieces = []
    for product_index, product in enumerate(p for p in products if not getattr(p, "demo_coffee", False)):
        rng = random.Random(product.slug)  # the same pieces on every load, whatever exists already
        sku = product.skus.get()
        # About a third of the designs have nothing in stock: they are woven to order.
        count = 0 if product_index % 3 == 2 else rng.randint(1, 3)
        for number in range(1, count + 1):
            code = f"{sku.code[:32]}-{number:02d}"
            piece = Piece.objects.filter(code=code).first()
            if piece is None:
                days = rng.randint(25, 60) if product.category.slug == "sarung-ikat" else rng.randint(10, 20)
                finished = TODAY - datetime.timedelta(days=rng.randint(3, 90))
                location = locations["hub"] if number == 3 else locations["warehouse"]
                piece = save_piece(
                    piece=Piece(
                        sku=sku,
                        maker=weavers[(product_index + number) % len(weavers)],
                        code=code,
                        started_on=finished - datetime.timedelta(days=days - 1),
                        finished_on=finished,
                        length_cm=(product.length_cm or 0) + rng.randint(-3, 3) or None,
                        width_cm=product.width_cm,
                    ),
                    received_at=location,
                )
            piece.demo_palette = product.demo_palette
            pieces.append(piece)
    return pieces


def _photos(products, pieces, size) -> int:
    added = 0
    for index, product in enumerate(products):
        if product.photos.exists():
            continue
        if getattr(product, "demo_coffee", False):
            data = draw_coffee(index, size)
        else:
            data = draw_ikat(index, product.demo_palette, size)
        add_photo(upload=data, product=product, alt_id=product.title_id, alt_en=product.title_en)
        added += 1
    for index, piece in enumerate(pieces):
        if piece.photos.exists():
            continue
        data = draw_ikat(1000 + index, piece.demo_palette, size)
        add_photo(upload=data, piece=piece, alt_id=f"Kain {piece.code}", alt_en=f"Cloth {piece.code}")
        added += 1
    return added


# Coffee batches as the demo inspected them: moisture %, foreign matter %, defect points per 300 g.
COFFEE_CHECKS = {
    "kopi-arabika-egon-250g": ("11.8", "0.2", "9"),  # SNI grade 1
    "kopi-robusta-sikka-250g": ("12.1", "0.3", "19"),  # SNI grade 2
}
# Every so many pieces, one with a small flaw the buyer is told about (grade B).
GRADE_B_EVERY = 6


def release_after_inspection(
    *, piece: Piece | None = None, sku: SKU | None = None, location=None, quantity: int = 1, photo: bytes
) -> Inspection:
    """Inspect units in quality control as the demo's hub operator, with passing answers: they go on sale."""
    product = (piece.sku if piece else sku).product
    standard = Standard.objects.filter(cooperative=product.cooperative, category=product.category).first()
    if standard is None:
        standard = add_default_standard(cooperative=product.cooperative, category=product.category)
    version = current_version(standard)
    results = {c.key: passing_value(c, product) for c in criteria_of(version)}
    note_id = note_en = ""
    if (
        piece is not None
        and "edges_fringes" in results
        and zlib.crc32(piece.code.encode()) % GRADE_B_EVERY == 0
    ):
        results["edges_fringes"] = "fail"
        note_id, note_en = "Satu rumbai sedikit lebih pendek.", "One fringe is a little shorter."
    for key, measured in (("length", piece and piece.length_cm), ("width", piece and piece.width_cm)):
        if measured and key in results:
            results[key] = str(measured)  # the piece as measured at the hub, within the tolerance
    if product.slug in COFFEE_CHECKS:
        checks = ("moisture", "foreign_matter", "defect_points")
        results.update(zip(checks, COFFEE_CHECKS[product.slug], strict=True))
    inspector = Membership.objects.select_related("user", "cooperative").get(
        user__username="operator", cooperative=product.cooperative
    )
    return record_inspection(
        piece=piece,
        sku=None if piece else sku,
        location=location,
        quantity=quantity,
        standard_version=version,
        results={key: value for key, value in results.items() if value is not None},
        photos=[photo],
        inspector=inspector,
        note_id=note_id,
        note_en=note_en,
    )


def _inspections(cooperative, products, pieces, warehouse, size) -> int:
    """Give every demo piece and coffee batch still in quality control, never inspected, a passed inspection."""
    size = (min(size[0], 640), min(size[1], 480))
    for product in products:
        if not Standard.objects.filter(cooperative=cooperative, category=product.category).exists():
            add_default_standard(cooperative=cooperative, category=product.category)
    done = 0
    for index, piece in enumerate(pieces):
        in_qc = piece.stock_levels.filter(position=Position.QUALITY_CONTROL, quantity__gt=0).exists()
        if in_qc and not piece.inspections.exists():
            release_after_inspection(piece=piece, photo=draw_ikat(2000 + index, piece.demo_palette, size))
            done += 1
    for index, product in enumerate(p for p in products if getattr(p, "demo_coffee", False)):
        sku = product.skus.get()
        level = StockLevel.objects.filter(
            sku=sku, piece=None, location=warehouse, position=Position.QUALITY_CONTROL, quantity__gt=0
        ).first()
        if level and not Inspection.objects.filter(sku=sku, location=warehouse).exists():
            release_after_inspection(
                sku=sku, location=warehouse, quantity=level.quantity, photo=draw_coffee(3000 + index, size)
            )
            done += 1
    return done


def _users(cooperative: Cooperative, maker: Maker) -> list[tuple[str, str]]:
    User = get_user_model()
    people = [
        ("manajer", "Manajer koperasi", Role.MANAGER, None),
        ("operator", "Operator hub desa", Role.HUB_OPERATOR, None),
        ("penenun", "Penenun (anggota)", Role.MAKER, maker),
        ("pemantau", "Pemantau program", Role.PROGRAM_VIEWER, None),
    ]
    logins = []
    for username, label, role, their_maker in people:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD, first_name=label)
        Membership.objects.get_or_create(
            user=user, cooperative=cooperative, defaults={"role": role, "maker": their_maker}
        )
        logins.append((username, label))
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(
            username="admin", password=DEMO_PASSWORD, email="admin@sambung.localhost"
        )
    logins.append(("admin", "Superuser (Django admin)"))
    return logins
