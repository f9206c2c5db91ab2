"""Cooperatives, their makers, nodes and locations, and the catalogue: products, SKUs, pieces, photos."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sambung.lib.ids import uuid7
from sambung.lib.money import MAX_PRICE
from sambung.lib.regions import VILLAGE_CODE, get_village, region_name

village_code_validator = RegexValidator(VILLAGE_CODE, _("Enter a village code like 53.07.03.2005."))


def localized(obj: object, field: str) -> str:
    """Return obj.<field>_en in English when it is filled, else obj.<field>_id."""
    if (get_language() or "id").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_id", "")


class Cooperative(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)
    description_id = models.TextField(_("description (Indonesian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    regency_code = models.CharField(
        _("regency code"), max_length=5, help_text=_("e.g. 53.07 for Kabupaten Sikka")
    )
    village_code = models.CharField(_("village"), max_length=13, validators=[village_code_validator])
    address = models.CharField(_("address"), max_length=200, blank=True)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    qris_static = models.TextField(
        _("static QRIS code"), blank=True, help_text=_("The text inside the QRIS sticker from the bank.")
    )
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=30, blank=True)
    bank_account_name = models.CharField(_("account holder"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def village(self):
        return get_village(self.village_code)

    @property
    def regency_name(self) -> str:
        return region_name(self.regency_code)


class Maker(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="makers")
    name = models.CharField(_("name"), max_length=120)
    village_code = models.CharField(_("village"), max_length=13, validators=[village_code_validator])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    skills = models.CharField(
        _("skills"), max_length=200, blank=True, help_text=_("e.g. spinning, tying, natural dyeing, weaving")
    )
    bio_id = models.TextField(_("story (Indonesian)"), blank=True)
    bio_en = models.TextField(_("story (English)"), blank=True)
    shows_name = models.BooleanField(
        _("agrees to show her name"),
        default=False,
        help_text=_("Only with her consent is her name shown to buyers."),
    )
    shows_photo = models.BooleanField(_("agrees to show her photo"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("maker")
        verbose_name_plural = _("makers")

    def __str__(self) -> str:
        return self.name

    @property
    def village(self):
        return get_village(self.village_code)

    @property
    def bio(self) -> str:
        return localized(self, "bio")


class Node(models.Model):
    """A running Sambung: the centre, or a village hub that syncs with it."""

    class Kind(models.TextChoices):
        CENTRE = "centre", _("centre")
        HUB = "hub", _("village hub")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="nodes", null=True, blank=True
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="centre") | Q(cooperative__isnull=False), name="hub_belongs_to_cooperative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    class Kind(models.TextChoices):
        HUB = "hub", _("village hub")
        WAREHOUSE = "warehouse", _("town warehouse")
        TRANSIT = "transit", _("in transit")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="locations")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="locations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    village_code = models.CharField(_("village"), max_length=13, validators=[village_code_validator])
    days_to_pack = models.PositiveSmallIntegerField(
        _("days to pack and hand to the courier"), default=2, validators=[MaxValueValidator(60)]
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["cooperative", "name"], name="location_name_unique")]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    slug = models.SlugField(unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_id

    @property
    def name(self) -> str:
        return localized(self, "name")


class Product(models.Model):
    """A design: what a buyer chooses; its SKUs are the variants, its pieces the physical items."""

    class Yarn(models.TextChoices):
        HANDSPUN = "handspun", _("handspun cotton")
        FACTORY = "factory", _("factory yarn")
        NONE = "", _("not applicable")

    class Dye(models.TextChoices):
        NATURAL = "natural", _("natural dyes")
        SYNTHETIC = "synthetic", _("synthetic dyes")
        MIXED = "mixed", _("natural and synthetic dyes")
        NONE = "", _("not applicable")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(unique=True, max_length=80)
    title_id = models.CharField(_("title (Indonesian)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    story_id = models.TextField(_("story (Indonesian)"), blank=True)
    story_en = models.TextField(_("story (English)"), blank=True)
    village_code = models.CharField(
        _("village of origin"), max_length=13, validators=[village_code_validator]
    )
    motif = models.CharField(_("motif"), max_length=80, blank=True)
    motif_meaning_id = models.TextField(_("meaning of the motif (Indonesian)"), blank=True)
    motif_meaning_en = models.TextField(_("meaning of the motif (English)"), blank=True)
    yarn = models.CharField(_("yarn"), max_length=10, choices=Yarn.choices, blank=True)
    dye = models.CharField(_("dyes"), max_length=10, choices=Dye.choices, blank=True)
    dyes_used = models.CharField(
        _("dye sources"),
        max_length=200,
        blank=True,
        help_text=_("e.g. indigo (tarum), morinda root (mengkudu)"),
    )
    length_cm = models.PositiveIntegerField(
        _("length (cm)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    width_cm = models.PositiveIntegerField(
        _("width (cm)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    height_cm = models.PositiveIntegerField(
        _("height (cm)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    weight_g = models.PositiveIntegerField(
        _("weight (g)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    gi_name = models.CharField(
        _("geographical indication"), max_length=80, blank=True, help_text=_("e.g. Tenun Ikat Sikka")
    )
    gi_number = models.CharField(
        _("GI registration number"), max_length=30, blank=True, help_text=_("e.g. ID G 000000056")
    )
    care_id = models.TextField(_("care (Indonesian)"), blank=True)
    care_en = models.TextField(_("care (English)"), blank=True)
    is_published = models.BooleanField(_("shown in the store"), default=False)
    # Lower-cased titles, stories, motif, village and cooperative: one LIKE per word works the same on
    # SQLite and PostgreSQL. Kept up to date by catalog.products.save_product, never by save().
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["is_published", "village_code"])]

    def __str__(self) -> str:
        return self.title_id

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def story(self) -> str:
        return localized(self, "story")

    @property
    def motif_meaning(self) -> str:
        return localized(self, "motif_meaning")

    @property
    def care(self) -> str:
        return localized(self, "care")

    @property
    def village(self):
        return get_village(self.village_code)


class SKU(models.Model):
    """A variant a buyer can order; unique SKUs are sold piece by piece (one-of-a-kind weavings)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(_("code"), max_length=40)
    name_id = models.CharField(_("variant (Indonesian)"), max_length=80, blank=True)
    name_en = models.CharField(_("variant (English)"), max_length=80, blank=True)
    price = models.BigIntegerField(
        _("price (Rp)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE)]
    )
    is_unique = models.BooleanField(
        _("one of a kind"),
        default=True,
        help_text=_("Sold as individual pieces, each with its own photos and maker."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["price", "code"]
        verbose_name = "SKU"
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="sku_code_unique_per_product"),
            models.CheckConstraint(
                condition=Q(price__gt=0) & Q(price__lte=MAX_PRICE), name="sku_price_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return localized(self, "name")


class Piece(models.Model):
    """One physical item: its own maker, dates and photos; stock quantity 1."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="pieces")
    maker = models.ForeignKey(Maker, on_delete=models.PROTECT, related_name="pieces")
    code = models.CharField(_("code"), max_length=40, unique=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    finished_on = models.DateField(_("finished on"), null=True, blank=True)
    length_cm = models.PositiveIntegerField(
        _("length (cm)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    width_cm = models.PositiveIntegerField(
        _("width (cm)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    notes_id = models.TextField(_("notes (Indonesian)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("piece")
        verbose_name_plural = _("pieces")
        constraints = [
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(finished_on__isnull=True)
                | Q(finished_on__gte=models.F("started_on")),
                name="piece_finished_after_started",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def days_taken(self) -> int | None:
        if self.started_on and self.finished_on:
            return (self.finished_on - self.started_on).days + 1
        return None

    @property
    def notes(self) -> str:
        return localized(self, "notes")


class Photo(models.Model):
    """An uploaded photo, kept as sent, with WebP renditions for lists and product pages."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="photos", null=True, blank=True
    )
    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="photos", null=True, blank=True)
    original = models.FileField(upload_to="photos/original/")
    thumb = models.FileField(upload_to="photos/thumb/")
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()
    detail = models.FileField(upload_to="photos/detail/")
    detail_width = models.PositiveIntegerField()
    detail_height = models.PositiveIntegerField()
    alt_id = models.CharField(_("description (Indonesian)"), max_length=200, blank=True)
    alt_en = models.CharField(_("description (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # The original's SHA-256: the name its file travels under between nodes (blank: uploaded before sync).
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # False while a row that came by sync waits for its files: it is not shown, and the office says so.
    has_files = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(piece__isnull=True))
                | (Q(product__isnull=True) & Q(piece__isnull=False)),
                name="photo_of_product_or_piece",
            )
        ]

    def __str__(self) -> str:
        return self.original.name

    @property
    def alt(self) -> str:
        return localized(self, "alt")
