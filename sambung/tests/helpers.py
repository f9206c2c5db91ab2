"""Builders for tests: real rows through the real write functions, with overridable defaults."""

import io
import itertools

from django.contrib.auth import get_user_model
from PIL import Image

from sambung.accounts.models import Membership, Role
from sambung.catalog.makers import save_maker
from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker, Node, Piece, Product
from sambung.catalog.pieces import save_piece
from sambung.catalog.products import save_product, save_sku

PASSWORD = "correct horse battery"
_counter = itertools.count(1)

SIKKA_VILLAGE = "53.07.03.2005"  # Desa Sikka, Kecamatan Lela
NITA_VILLAGE = "53.07.04.2001"  # Desa Nita, Kecamatan Nita


def make_cooperative(**overrides) -> Cooperative:
    n = next(_counter)
    fields = dict(
        slug=f"koperasi-{n}", name=f"Koperasi {n}", regency_code="53.07", village_code="53.07.05.1009"
    )
    fields.update(overrides)
    return Cooperative.objects.create(**fields)


def make_location(cooperative: Cooperative, **overrides) -> Location:
    node = overrides.pop("node", None) or Node.objects.create(
        cooperative=cooperative, kind=Node.Kind.HUB, name="hub"
    )
    fields = dict(
        cooperative=cooperative,
        node=node,
        kind=Location.Kind.WAREHOUSE,
        name=f"Gudang {next(_counter)}",
        village_code=SIKKA_VILLAGE,
    )
    fields.update(overrides)
    return Location.objects.create(**fields)


def make_category(**overrides) -> Category:
    n = next(_counter)
    fields = dict(slug=f"kategori-{n}", name_id=f"Kategori {n}", name_en=f"Category {n}")
    fields.update(overrides)
    return Category.objects.create(**fields)


def make_maker(cooperative: Cooperative, **overrides) -> Maker:
    fields = dict(
        cooperative=cooperative, name=f"Penenun {next(_counter)}", village_code=SIKKA_VILLAGE, shows_name=True
    )
    fields.update(overrides)
    return save_maker(maker=Maker(**fields))


def make_product(cooperative: Cooperative, *, price: int = 1_250_000, **overrides) -> Product:
    n = next(_counter)
    fields = dict(
        cooperative=cooperative,
        category=overrides.pop("category", None) or make_category(),
        slug=f"produk-{n}",
        title_id=f"Sarung ikat {n}",
        title_en=f"Ikat sarong {n}",
        village_code=SIKKA_VILLAGE,
        is_published=True,
        yarn=Product.Yarn.HANDSPUN,
        dye=Product.Dye.NATURAL,
    )
    fields.update(overrides)
    product = save_product(product=Product(**fields))
    save_sku(sku=SKU(product=product, code=f"SKU-{n}", price=price))
    return product


def make_piece(
    product: Product, maker: Maker, *, location: Location | None = None, sellable: bool = True, **overrides
) -> Piece:
    """Record a piece; with a location it is received there and, unless `sellable=False`, passes inspection."""
    fields = dict(sku=product.skus.first(), maker=maker, code=f"PC-{next(_counter)}")
    fields.update(overrides)
    piece = save_piece(piece=Piece(**fields), received_at=location)
    if location is not None and sellable:
        pass_inspection(piece=piece)
    return piece


def make_user(username: str | None = None, **overrides):
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **overrides)


def make_member(
    cooperative: Cooperative, role: str, *, maker: Maker | None = None, username: str | None = None
):
    user = make_user(username)
    if role == Role.MAKER and maker is None:
        maker = make_maker(cooperative)
    Membership.objects.create(user=user, cooperative=cooperative, role=role, maker=maker)
    return user


def image_bytes(size: tuple[int, int] = (800, 600), fmt: str = "JPEG", color=(120, 40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def make_channel(cooperative: Cooperative, **overrides):
    from sambung.inventory.models import Channel

    node = overrides.pop("node", None) or Node.objects.create(
        cooperative=cooperative, kind=Node.Kind.HUB, name="hub"
    )
    fields = dict(cooperative=cooperative, node=node, kind=Channel.Kind.STALL, name=f"Lapak {next(_counter)}")
    fields.update(overrides)
    return Channel.objects.create(**fields)


def make_shipping_rate(cooperative: Cooperative, **overrides):
    from sambung.orders.models import ShippingRate

    fields = dict(cooperative=cooperative, courier="JNE REG", destination="", first_kg=50_000, next_kg=40_000)
    fields.update(overrides)
    return ShippingRate.objects.create(**fields)


def make_stock(product: Product, location: Location, quantity: int, *, sellable: bool = True):
    """Receive `quantity` units of the product's first SKU; unless `sellable=False`, they pass inspection."""
    from sambung.inventory.stock import receive_stock

    sku = product.skus.first()
    move = receive_stock(sku=sku, location=location, quantity=quantity)
    if sellable:
        pass_inspection(sku=sku, location=location, quantity=quantity)
    return move


def make_standard(cooperative: Cooperative, category: Category, criteria=None, **overrides):
    """Return the category's quality standard, created with one pass/fail criterion unless criteria are given."""
    from sambung.quality.models import Standard
    from sambung.quality.standards import Criterion, Kind, create_standard

    existing = Standard.objects.filter(cooperative=cooperative, category=category).first()
    if existing is not None:
        return existing
    if criteria is None:
        criteria = [Criterion("no_defects", Kind.PASS_FAIL, "Tanpa cacat", "No defects")]
    fields = dict(name_id=f"Standar {category.name_id}", name_en=f"Standard {category.name_en}")
    fields.update(overrides)
    return create_standard(cooperative=cooperative, category=category, criteria=criteria, **fields)


def make_inspector(cooperative: Cooperative, role: str = Role.HUB_OPERATOR) -> Membership:
    """Return the cooperative's test inspector: a hub operator, created on first use."""
    username = f"pemeriksa-{cooperative.slug}"
    membership = Membership.objects.filter(user__username=username, cooperative=cooperative).first()
    return membership or Membership.objects.get(user=make_member(cooperative, role, username=username))


def pass_inspection(
    *, piece: Piece | None = None, sku: SKU | None = None, location=None, quantity: int = 1, **overrides
):
    """Inspect a piece (or units of a SKU at a location) in quality control with passing answers: on sale."""
    from sambung.quality.inspections import record_inspection
    from sambung.quality.standards import criteria_of, current_version, passing_value

    product = (piece.sku if piece else sku).product
    version = current_version(make_standard(product.cooperative, product.category))
    criteria = criteria_of(version)
    fields = dict(
        standard_version=version,
        results={c.key: passing_value(c, product) for c in criteria if passing_value(c, product) is not None},
        photos=[image_bytes((64, 48))]
        * max((c.min_photos for c in criteria if c.kind == "photo"), default=0),
        inspector=make_inspector(product.cooperative),
    )
    fields.update(overrides)
    if piece is not None:
        return record_inspection(piece=piece, **fields)
    return record_inspection(sku=sku, location=location, quantity=quantity, **fields)
