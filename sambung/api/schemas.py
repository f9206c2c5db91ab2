"""The shapes the API reads and writes; they make the OpenAPI schema."""

import datetime
import uuid
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

from sambung.lib.money import MAX_PRICE
from sambung.orders.models import CancelReason, OrderStatus

MAX_PAGE = 100
# SQLite and PostgreSQL take a 64-bit OFFSET; a bound far below keeps a silly number a 422, not a 500.
MAX_OFFSET = 1_000_000


# -- Query parameters ---------------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=MAX_PAGE, description=f"Rows per page, 1–{MAX_PAGE}; outside → 422.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")


class ProductQuery(PageQuery):
    q: str = Field("", max_length=200, description="Words to find in titles, stories, motif, village.")
    category: str = Field("", max_length=50, description="Category slug.")
    cooperative: str = Field("", max_length=50, description="Cooperative slug.")
    region: str = Field(
        "",
        pattern=r"^(\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)?$",
        description="A Kemendagri code the village of origin starts with: 53.07 (Sikka) or a village code.",
    )
    min_price: int | None = Field(None, ge=0, le=MAX_PRICE, description="Lowest price from, in rupiah.")
    max_price: int | None = Field(None, ge=0, le=MAX_PRICE, description="Highest price from, in rupiah.")
    natural_dye: bool = Field(False, description="Only designs dyed with natural dyes.")
    ready: bool = Field(False, description="Only designs the web store can ship from stock now.")


class OrderQuery(PageQuery):
    status: OrderStatus | None = None


# -- Catalogue ----------------------------------------------------------------------------------------------


class CategoryOut(Schema):
    slug: str
    name_id: str
    name_en: str


class CooperativeOut(Schema):
    slug: str
    name: str


class VillageOut(Schema):
    code: str
    name: str = Field(description="Empty when the code names no known village.")


class PhotoOut(Schema):
    thumb: str
    detail: str
    alt_id: str
    alt_en: str


class ProductOut(Schema):
    id: uuid.UUID
    slug: str
    title_id: str
    title_en: str
    category: CategoryOut
    cooperative: CooperativeOut
    village: VillageOut
    yarn: str
    dye: str
    price_from: int = Field(description="Lowest price of an active SKU, in rupiah.")
    available: int = Field(description="Units the web store can sell now.")
    thumbnail: str | None
    url: str = Field(description="The product's page in the storefront.")


class ProductPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProductOut]


class SkuOut(Schema):
    id: uuid.UUID
    code: str
    name_id: str
    name_en: str
    price: int
    is_unique: bool = Field(description="Sold piece by piece: each piece has its own maker and photos.")


class InspectionOut(Schema):
    """What an inspection found, as buyers are told it (grade B flaws are disclosed)."""

    grade: Literal["a", "b"] = Field(description="a: every criterion passed; b: passed with minor flaws.")
    inspected_at: datetime.datetime
    inspected_on: datetime.date = Field(
        description="The day of the inspection, in the cooperative's time zone."
    )
    inspector_role: str = Field(
        description="The inspector's role (manager or hub_operator), never the person."
    )
    flaws_id: list[str] = Field(description="The minor flaws found, in Indonesian: empty for grade A.")
    flaws_en: list[str] = Field(
        description="The same flaws in English (Indonesian where no English was given)."
    )
    note_id: str
    note_en: str


class PieceOut(Schema):
    id: uuid.UUID
    code: str
    sku: str = Field(description="The SKU code.")
    maker: str | None = Field(description="The maker's name, only when she agreed to show it.")
    started_on: datetime.date | None
    finished_on: datetime.date | None
    length_cm: int | None
    width_cm: int | None
    photos: list[PhotoOut]
    inspection: InspectionOut | None = Field(
        description="Its latest inspection, which passed: every piece on sale has one."
    )
    provenance_url: str = Field(description="The piece's public provenance page (its hang tag's QR code).")


class ProductDetail(ProductOut):
    story_id: str
    story_en: str
    motif: str
    motif_meaning_id: str
    motif_meaning_en: str
    dyes_used: str
    length_cm: int | None
    width_cm: int | None
    height_cm: int | None
    weight_g: int | None
    gi_name: str
    gi_number: str
    care_id: str
    care_en: str
    photos: list[PhotoOut]
    skus: list[SkuOut]
    pieces: list[PieceOut] = Field(description="Pieces the web store can sell now.")
    batch_inspection: InspectionOut | None = Field(
        description="Counted goods: the latest passed inspection of a batch of this product; none for pieces."
    )


# -- Stock --------------------------------------------------------------------------------------------------


class StockSku(Schema):
    id: uuid.UUID
    code: str
    product_slug: str
    product_title: str


class StockLocation(Schema):
    id: uuid.UUID
    name: str
    kind: str


class ChannelOut(Schema):
    id: uuid.UUID
    name: str
    kind: str


class ChannelQuantity(Schema):
    channel: ChannelOut
    quantity: int


class StockInspectionOut(Schema):
    """An inspection as members see it: rejections included, with their reasons."""

    outcome: Literal["a", "b", "reject"]
    inspected_at: datetime.datetime
    inspected_on: datetime.date
    inspector_role: str
    quantity: int = Field(description="Units inspected: 1 for a piece, the batch size for counted goods.")
    flaws_id: list[str] = Field(description="Minor flaws (grade B), told to buyers; in Indonesian.")
    flaws_en: list[str]
    reasons_id: list[str] = Field(description="Why it was rejected; in Indonesian.")
    reasons_en: list[str]


class StockPiece(Schema):
    id: uuid.UUID
    code: str
    position: str = Field(description="qc (quality control), available, reserved or committed.")
    channel: str | None = Field(description="The channel that may sell it; none in quality control.")
    inspection: StockInspectionOut | None = Field(
        description="Its latest inspection; none if never inspected. A piece back in quality control after a "
        "return or rework waits for a new one (compare the dates)."
    )


class StockRow(Schema):
    sku: StockSku
    location: StockLocation
    available: list[ChannelQuantity] = Field(description="Sellable units, by the channel that may sell them.")
    reserved: int = Field(description="Held for buyers' checkouts (until swept, also holds past their time).")
    committed: int = Field(description="Sold on orders, not yet shipped.")
    quality_control: int = Field(description="Received or returned, not yet released for sale.")
    incoming: int = Field(description="Being made on work orders (0 until production is recorded).")
    on_hand: int = Field(description="Every unit at the location: available + reserved + committed + QC.")
    pieces: list[StockPiece] = Field(description="For a SKU sold piece by piece: each piece on hand here.")
    batch_inspection: StockInspectionOut | None = Field(
        description="Counted goods: the latest inspection of a batch of this SKU at this location."
    )


class StockOut(Schema):
    cooperative: str
    items: list[StockRow]


# -- Orders -------------------------------------------------------------------------------------------------


class BuyerOut(Schema):
    name: str | None = Field(description="Only for a manager or a hub operator.")
    phone: str | None = Field(description="Only for a manager or a hub operator.")
    email: str | None = Field(description="Only for a manager or a hub operator.")


class OrderSummary(Schema):
    code: str
    status: OrderStatus
    created_at: datetime.datetime
    ship_by: datetime.date
    pay_by: datetime.datetime
    subtotal: int
    shipping_cost: int
    total: int
    amount_due: int = Field(description="Total plus the bank-transfer code, in rupiah.")
    payment_method: str
    buyer: BuyerOut


class OrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrderSummary]


class AddressOut(Schema):
    street: str
    village: VillageOut
    postal_code: str


class OrderLineOut(Schema):
    sku: str
    piece: str | None
    piece_inspection: StockInspectionOut | None = Field(
        description="For a piece: its latest passed inspection, the one that put it on sale (grade and flaws)."
    )
    title: str
    quantity: int
    unit_price: int
    line_total: int
    ship_by: datetime.date
    location: str


class OrderEventOut(Schema):
    kind: str
    created_at: datetime.datetime
    courier: str
    tracking_number: str
    cancel_reason: str
    note: str
    actor: str | None = Field(description="Username of the member who recorded it; none for the system.")


class OrderDetail(OrderSummary):
    courier_service: str
    shipping_weight_kg: int
    unique_code: int
    address: AddressOut | None = Field(description="Only for a manager or a hub operator.")
    lines: list[OrderLineOut]
    events: list[OrderEventOut]


EventKind = Literal["paid", "packing", "shipped", "delivered", "returned", "cancelled"]
NOTED_KINDS = {"paid", "delivered", "returned", "cancelled"}


class EventIn(Schema):
    """One step of fulfilment; each field is accepted only for the kinds that record it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: EventKind
    courier: str = Field("", max_length=60, validate_default=True, description="Required for shipped.")
    tracking_number: str = Field(
        "", max_length=60, validate_default=True, description="Required for shipped."
    )
    cancel_reason: CancelReason | None = Field(
        None, validate_default=True, description="Required for cancelled."
    )
    note: str = Field(
        "", max_length=300, validate_default=True, description="For paid, delivered, returned, cancelled."
    )

    @field_validator("courier", "tracking_number")
    @classmethod
    def _shipped_only(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind == "shipped" and not value:
            raise ValueError("required when the kind is shipped")
        if kind not in (None, "shipped") and value:
            raise ValueError("only recorded when the kind is shipped")
        return value

    @field_validator("cancel_reason")
    @classmethod
    def _cancelled_only(cls, value: CancelReason | None, info: ValidationInfo) -> CancelReason | None:
        kind = info.data.get("kind")
        if kind == "cancelled" and value is None:
            raise ValueError("required when the kind is cancelled")
        if kind not in (None, "cancelled") and value is not None:
            raise ValueError("only recorded when the kind is cancelled")
        return value

    @field_validator("note")
    @classmethod
    def _noted_kinds_only(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is not None and kind not in NOTED_KINDS and value:
            raise ValueError(f"no note is recorded when the kind is {kind}")
        return value
