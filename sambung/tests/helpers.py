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


def make_piece(product: Product, maker: Maker, *, location: Location | None = None, **overrides) -> Piece:
    fields = dict(sku=product.skus.first(), maker=maker, code=f"PC-{next(_counter)}")
    fields.update(overrides)
    return save_piece(piece=Piece(**fields), received_at=location)


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


def make_stock(product: Product, location: Location, quantity: int):
    """Receive `quantity` units of the product's first SKU for the web store."""
    from sambung.inventory.stock import receive_stock

    return receive_stock(sku=product.skus.first(), location=location, quantity=quantity)
