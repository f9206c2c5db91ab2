"""Quality standards: typed criteria, the shipped defaults, and the only writer of standards and their versions.

A criterion is one of four kinds:

- pass/fail, whose failure is either a minor flaw (disclosed to buyers, grade B) or a reason to reject;
- a grade scale: a list of choices, each with its effect; a scale may name a product attribute it observes
  ("yarn", "dye"): an observed value other than the declared one rejects the piece;
- a measurement with a unit, a physical range (anything outside is a typing mistake, refused), and either a
  tolerance (absolute minimum/maximum, or ± around a product attribute such as its declared length) or bands
  (coffee defect points → SNI grade);
- photos: at least this many inspection photos.

Criteria are stored as JSON in a StandardVersion, which is never changed: `revise_standard` writes the next one.
"""

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sambung.catalog.models import Category, Cooperative, Product, localized
from sambung.quality.models import Standard, StandardVersion
from sambung.sync import outbox


class StandardError(ValueError):
    """A standard or criterion that cannot be saved; the message says why."""


class Kind(StrEnum):
    PASS_FAIL = "pass_fail"  # noqa: S105 — not a password
    GRADE = "grade"
    MEASUREMENT = "measurement"
    PHOTO = "photo"


class Effect(StrEnum):
    PASS = "pass"  # noqa: S105 — not a password
    MINOR = "minor"  # a flaw the buyer is told about: the piece sells as grade B
    REJECT = "reject"


KIND_LABELS = {
    Kind.PASS_FAIL: gettext_lazy("pass or fail"),
    Kind.GRADE: gettext_lazy("grade scale"),
    Kind.MEASUREMENT: gettext_lazy("measurement"),
    Kind.PHOTO: gettext_lazy("photos"),
}
EFFECT_LABELS = {
    Effect.PASS: gettext_lazy("passes"),
    Effect.MINOR: gettext_lazy("minor flaw, told to buyers (grade B)"),
    Effect.REJECT: gettext_lazy("reject"),
}
# The same, short, for a standard's one-line summaries.
EFFECT_SHORT = {
    Effect.PASS: gettext_lazy("passes"),
    Effect.MINOR: gettext_lazy("grade B"),
    Effect.REJECT: gettext_lazy("reject"),
}
# Product attributes a grade scale may compare with what the inspector observes.
DECLARED_ATTRIBUTES = {"yarn": gettext_lazy("yarn"), "dye": gettext_lazy("dyes")}
# Product attributes a measurement's tolerance may be centred on.
MEASURED_ATTRIBUTES = {
    "length_cm": gettext_lazy("declared length (cm)"),
    "width_cm": gettext_lazy("declared width (cm)"),
    "height_cm": gettext_lazy("declared height (cm)"),
    "weight_g": gettext_lazy("declared weight (g)"),
}
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_CRITERIA = 40
MAX_PHOTOS = 10


@dataclass(frozen=True)
class Choice:
    value: str
    label_id: str
    label_en: str = ""
    effect: Effect = Effect.PASS

    @property
    def label(self) -> str:
        return localized(self, "label")


@dataclass(frozen=True)
class Band:
    """Values up to `maximum` (inclusive, above the previous band) earn this label and effect."""

    maximum: Decimal
    label_id: str
    label_en: str = ""
    effect: Effect = Effect.PASS

    @property
    def label(self) -> str:
        return localized(self, "label")


@dataclass(frozen=True)
class Criterion:
    key: str
    kind: Kind
    label_id: str
    label_en: str = ""
    required: bool = True
    # pass/fail
    fail_effect: Effect = Effect.REJECT
    # grade scale
    choices: tuple[Choice, ...] = ()
    declared: str = ""  # a key of DECLARED_ATTRIBUTES
    # measurement
    unit: str = ""
    physical_min: Decimal | None = None
    physical_max: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    relative_to: str = ""  # a key of MEASURED_ATTRIBUTES
    tolerance: Decimal | None = None
    outside_effect: Effect = Effect.REJECT
    bands: tuple[Band, ...] = ()
    # photos
    min_photos: int = 1

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def choice(self, value: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.value == value), None)

    def band(self, value: Decimal) -> Band | None:
        return next((band for band in self.bands if value <= band.maximum), None)

    def tolerance_range(self, product: Product | None) -> tuple[Decimal | None, Decimal | None]:
        """Return the accepted (low, high) for this product; (None, None) when nothing is declared to compare."""
        if self.relative_to:
            declared = getattr(product, self.relative_to, None) if product else None
            if declared is None or self.tolerance is None:
                return None, None
            return Decimal(declared) - self.tolerance, Decimal(declared) + self.tolerance
        return self.minimum, self.maximum

    def summary(self) -> str:
        """Describe the rule in one line, for the standard's page."""
        if self.kind == Kind.PASS_FAIL:
            return _("fail: %(effect)s") % {"effect": EFFECT_SHORT[self.fail_effect]}
        if self.kind == Kind.GRADE:
            scale = ", ".join(f"{c.label} ({EFFECT_SHORT[c.effect]})" for c in self.choices)
            if self.declared:
                scale += " · " + _("must match the declared %(attribute)s") % {
                    "attribute": DECLARED_ATTRIBUTES[self.declared]
                }
            return scale
        if self.kind == Kind.PHOTO:
            return _("at least %(count)s photo(s)") % {"count": self.min_photos}
        parts = [
            _("%(min)s to %(max)s %(unit)s possible")
            % {"min": _plain(self.physical_min), "max": _plain(self.physical_max), "unit": self.unit}
        ]
        if self.relative_to:
            parts.append(
                _("± %(tolerance)s %(unit)s around the %(attribute)s")
                % {
                    "tolerance": _plain(self.tolerance),
                    "unit": self.unit,
                    "attribute": MEASURED_ATTRIBUTES[self.relative_to],
                }
            )
        elif self.minimum is not None or self.maximum is not None:
            low = _plain(self.minimum) if self.minimum is not None else "…"
            high = _plain(self.maximum) if self.maximum is not None else "…"
            parts.append(
                _("accepted %(low)s to %(high)s %(unit)s") % {"low": low, "high": high, "unit": self.unit}
            )
        if self.relative_to or self.minimum is not None or self.maximum is not None:
            parts.append(_("outside: %(effect)s") % {"effect": EFFECT_SHORT[self.outside_effect]})
        if self.bands:
            previous = None
            for band in self.bands:
                start = "0" if previous is None else f"> {_plain(previous)}"
                parts.append(f"{start}–{_plain(band.maximum)}: {band.label} ({EFFECT_SHORT[band.effect]})")
                previous = band.maximum
            parts.append(_("above %(max)s: reject") % {"max": _plain(previous)})
        return " · ".join(parts)

    def as_json(self) -> dict:
        data = asdict(self)
        for name in ("physical_min", "physical_max", "minimum", "maximum", "tolerance"):
            data[name] = None if data[name] is None else str(data[name])
        data["bands"] = [{**band, "maximum": str(band["maximum"])} for band in data["bands"]]
        data["choices"] = list(data["choices"])  # as JSON reads it back: a list
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Criterion":
        values = dict(data)
        values["kind"] = Kind(values["kind"])
        for name in ("fail_effect", "outside_effect"):
            if name in values:
                values[name] = Effect(values[name])
        for name in ("physical_min", "physical_max", "minimum", "maximum", "tolerance"):
            if values.get(name) is not None:
                values[name] = Decimal(values[name])
        values["choices"] = tuple(
            Choice(**{**choice, "effect": Effect(choice["effect"])}) for choice in values.get("choices", ())
        )
        values["bands"] = tuple(
            Band(**{**band, "maximum": Decimal(band["maximum"]), "effect": Effect(band["effect"])})
            for band in values.get("bands", ())
        )
        return cls(**values)


def _plain(number: Decimal | None) -> str:
    """12.50 → "12.5", 5.00 → "5"."""
    if number is None:
        return "…"
    text = format(number.normalize(), "f")
    return text


def criteria_of(version: StandardVersion) -> list[Criterion]:
    return [Criterion.from_json(item) for item in version.criteria]


def current_version(standard: Standard) -> StandardVersion:
    return standard.versions.order_by("-number").first()


def check_criteria(criteria: list[Criterion]) -> None:
    """Raise StandardError unless every criterion is complete and consistent."""
    if not criteria:
        raise StandardError(_("A standard needs at least one criterion."))
    if len(criteria) > MAX_CRITERIA:
        raise StandardError(_("A standard has at most %(max)s criteria.") % {"max": MAX_CRITERIA})
    keys = [criterion.key for criterion in criteria]
    if len(set(keys)) != len(keys):
        raise StandardError(_("Two criteria have the same name; give each its own."))
    for criterion in criteria:
        check_criterion(criterion)


def check_criterion(criterion: Criterion) -> None:
    """Raise StandardError with a message a manager can act on when the criterion cannot work."""
    label = criterion.label_id.strip()
    if not label:
        raise StandardError(_("Give the criterion a name in Indonesian."))
    if not KEY.fullmatch(criterion.key):
        raise StandardError(_("The criterion %(label)s has no valid key.") % {"label": label})
    if criterion.kind == Kind.GRADE:
        values = [choice.value for choice in criterion.choices]
        if len(values) < 2 or len(set(values)) != len(values) or not all(values):
            raise StandardError(
                _("A grade scale needs at least two choices, each with its own value: %(label)s")
                % {"label": label}
            )
        if any(not choice.label_id.strip() for choice in criterion.choices):
            raise StandardError(_("Every choice needs a name in Indonesian: %(label)s") % {"label": label})
        if criterion.declared and criterion.declared not in DECLARED_ATTRIBUTES:
            raise StandardError(_("Unknown product attribute for %(label)s.") % {"label": label})
    if criterion.kind == Kind.MEASUREMENT:
        low, high = criterion.physical_min, criterion.physical_max
        if low is None or high is None or low >= high:
            raise StandardError(
                _("Give %(label)s the smallest and largest values physically possible, smallest first.")
                % {"label": label}
            )
        if criterion.relative_to:
            if criterion.relative_to not in MEASURED_ATTRIBUTES:
                raise StandardError(_("Unknown product attribute for %(label)s.") % {"label": label})
            if criterion.tolerance is None or criterion.tolerance < 0:
                raise StandardError(_("Give %(label)s a tolerance of zero or more.") % {"label": label})
        if (
            criterion.minimum is not None
            and criterion.maximum is not None
            and criterion.minimum > criterion.maximum
        ):
            raise StandardError(
                _("The accepted minimum of %(label)s is above its maximum.") % {"label": label}
            )
        maxima = [band.maximum for band in criterion.bands]
        if maxima != sorted(set(maxima)) or any(not band.label_id.strip() for band in criterion.bands):
            raise StandardError(
                _("The bands of %(label)s need names and rising upper limits.") % {"label": label}
            )
    if criterion.kind == Kind.PHOTO and not 1 <= criterion.min_photos <= MAX_PHOTOS:
        raise StandardError(_("Ask for 1 to %(max)s photos: %(label)s") % {"max": MAX_PHOTOS, "label": label})


def new_key(label: str, criteria: list[Criterion]) -> str:
    """Return a key for a new criterion, from its label, unused in the standard."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:32] or "kriteria"
    if not base[0].isalpha():
        base = f"k_{base}"[:32]
    taken = {criterion.key for criterion in criteria}
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def with_criterion(criteria: list[Criterion], criterion: Criterion) -> list[Criterion]:
    """Return the criteria with this one replacing the one of the same key, or added at the end."""
    if any(existing.key == criterion.key for existing in criteria):
        return [criterion if existing.key == criterion.key else existing for existing in criteria]
    return [*criteria, criterion]


def without_criterion(criteria: list[Criterion], key: str) -> list[Criterion]:
    return [criterion for criterion in criteria if criterion.key != key]


# -- Writers ---------------------------------------------------------------------------------------------


def create_standard(
    *,
    cooperative: Cooperative,
    category: Category,
    name_id: str,
    name_en: str = "",
    criteria: list[Criterion],
    user=None,
) -> Standard:
    """Create a category's standard with its first version; one standard per cooperative and category."""
    check_criteria(criteria)
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                cooperative=cooperative, category=category, name_id=name_id, name_en=name_en
            )
            version = StandardVersion.objects.create(
                standard=standard, number=1, criteria=[c.as_json() for c in criteria], created_by=user
            )
            outbox.emit_rows("quality.standard", standard, version)
    except IntegrityError:
        raise StandardError(
            _("The category %(category)s already has a standard.") % {"category": category.name}
        ) from None
    return standard


def revise_standard(
    *,
    standard: Standard,
    criteria: list[Criterion],
    based_on_id: object = None,
    user=None,
) -> StandardVersion:
    """Write the standard's next version; past versions, and the inspections that used them, stay as they were.

    With `based_on_id` (the version the editor was shown), refuse when it is no longer the latest: someone else
    wrote a version meanwhile.
    """
    check_criteria(criteria)
    latest = current_version(standard)
    if based_on_id is not None and str(latest.pk) != str(based_on_id):
        raise StandardError(
            _("Someone else changed this standard meanwhile. Look at the current criteria and try again.")
        )
    if [c.as_json() for c in criteria] == latest.criteria:
        return latest
    try:
        with transaction.atomic():
            version = StandardVersion.objects.create(
                standard=standard,
                number=latest.number + 1,
                criteria=[c.as_json() for c in criteria],
                created_by=user,
            )
            outbox.emit_rows("quality.standard", version)
            return version
    except IntegrityError:
        raise StandardError(
            _("Someone else changed this standard meanwhile. Look at the current criteria and try again.")
        ) from None


# -- The defaults Sambung ships -------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    slug: str
    name_id: str
    name_en: str
    criteria: tuple[Criterion, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return localized(self, "name")


def _scale(best_id: str, best_en: str, worst_id: str, worst_en: str) -> tuple[Choice, ...]:
    """A 1–5 scale: 5 and 4 pass, 3 is a minor flaw, 2 and 1 reject."""
    effects = {5: Effect.PASS, 4: Effect.PASS, 3: Effect.MINOR, 2: Effect.REJECT, 1: Effect.REJECT}
    labels = {5: (best_id, best_en), 1: (worst_id, worst_en)}
    return tuple(
        Choice(
            str(n),
            f"{n} — {labels[n][0]}" if n in labels else str(n),
            f"{n} — {labels[n][1]}" if n in labels else str(n),
            effects[n],
        )
        for n in (5, 4, 3, 2, 1)
    )


D = Decimal
TENUN_IKAT = Template(
    "tenun-ikat",
    "Tenun ikat",
    "Ikat weaving",
    (
        Criterion(
            "yarn",
            Kind.GRADE,
            "Benang yang terlihat",
            "Yarn observed",
            choices=(
                Choice("handspun", "Pintal tangan", "Handspun"),
                Choice("factory", "Benang pabrik", "Factory yarn"),
            ),
            declared="yarn",
        ),
        Criterion(
            "dye",
            Kind.GRADE,
            "Pewarna yang terlihat",
            "Dyes observed",
            choices=(
                Choice("natural", "Pewarna alam", "Natural dyes"),
                Choice("synthetic", "Pewarna sintetis", "Synthetic dyes"),
                Choice("mixed", "Alam dan sintetis", "Natural and synthetic"),
            ),
            declared="dye",
        ),
        Criterion(
            "motif_sharpness",
            Kind.GRADE,
            "Ketajaman motif",
            "Motif sharpness",
            choices=_scale("sangat tajam", "very sharp", "kabur", "blurred"),
        ),
        Criterion(
            "weave_evenness",
            Kind.GRADE,
            "Kerataan tenunan",
            "Weave evenness",
            choices=_scale("sangat rata", "very even", "tidak rata", "uneven"),
        ),
        Criterion(
            "edges_fringes",
            Kind.PASS_FAIL,
            "Tepi dan rumbai rapi",
            "Edges and fringes neat",
            fail_effect=Effect.MINOR,
        ),
        Criterion(
            "length",
            Kind.MEASUREMENT,
            "Panjang",
            "Length",
            unit="cm",
            physical_min=D(1),
            physical_max=D(2000),
            relative_to="length_cm",
            tolerance=D(5),
            outside_effect=Effect.MINOR,
        ),
        Criterion(
            "width",
            Kind.MEASUREMENT,
            "Lebar",
            "Width",
            unit="cm",
            physical_min=D(1),
            physical_max=D(2000),
            relative_to="width_cm",
            tolerance=D(5),
            outside_effect=Effect.MINOR,
        ),
        Criterion(
            "no_stains_holes",
            Kind.PASS_FAIL,
            "Tanpa noda, lubang atau benang putus",
            "No stains, holes or broken threads",
        ),
        Criterion(
            "colourfastness",
            Kind.PASS_FAIL,
            "Uji gosok: warna tidak luntur",
            "Rub test: colours do not run",
        ),
        Criterion("photos", Kind.PHOTO, "Foto seluruh kain", "Photo of the whole cloth", min_photos=1),
    ),
)

# SNI 01-2907-2008, Biji kopi: moisture at most 12.5 %, foreign matter at most 0.5 %, no live insects, no
# rotten or mouldy smell; the grade follows the defect points of a 300 g sample.
SNI_GRADES = (
    (11, "Mutu 1", "Grade 1", Effect.PASS),
    (25, "Mutu 2", "Grade 2", Effect.PASS),
    (44, "Mutu 3", "Grade 3", Effect.MINOR),
    (60, "Mutu 4a", "Grade 4a", Effect.MINOR),
    (80, "Mutu 4b", "Grade 4b", Effect.MINOR),
    (150, "Mutu 5", "Grade 5", Effect.MINOR),
    (225, "Mutu 6", "Grade 6", Effect.MINOR),
)
COFFEE_BEANS = Template(
    "biji-kopi",
    "Biji kopi (SNI 01-2907-2008)",
    "Coffee beans (SNI 01-2907-2008)",
    (
        Criterion(
            "moisture",
            Kind.MEASUREMENT,
            "Kadar air",
            "Moisture",
            unit="%",
            physical_min=D(0),
            physical_max=D(100),
            maximum=D("12.5"),
        ),
        Criterion(
            "foreign_matter",
            Kind.MEASUREMENT,
            "Kotoran (benda asing)",
            "Foreign matter",
            unit="%",
            physical_min=D(0),
            physical_max=D(100),
            maximum=D("0.5"),
        ),
        Criterion(
            "defect_points",
            Kind.MEASUREMENT,
            "Nilai cacat per 300 g contoh",
            "Defect points per 300 g sample",
            physical_min=D(0),
            physical_max=D(5000),
            bands=tuple(
                Band(D(limit), label_id, label_en, effect) for limit, label_id, label_en, effect in SNI_GRADES
            ),
        ),
        Criterion("no_live_insects", Kind.PASS_FAIL, "Tidak ada serangga hidup", "No live insects"),
        Criterion(
            "no_rotten_smell",
            Kind.PASS_FAIL,
            "Tidak berbau busuk atau kapang",
            "No rotten or mouldy smell",
        ),
        Criterion("photos", Kind.PHOTO, "Foto contoh biji", "Photo of the sample", min_photos=1),
    ),
)
BASIC = Template(
    "dasar",
    "Pemeriksaan dasar",
    "Basic inspection",
    (
        Criterion("no_defects", Kind.PASS_FAIL, "Tanpa cacat yang terlihat", "No visible defects"),
        Criterion("photos", Kind.PHOTO, "Foto barang", "Photo of the item", min_photos=1),
    ),
)
TEMPLATES = {template.slug: template for template in (TENUN_IKAT, COFFEE_BEANS, BASIC)}


def template_for(category: Category) -> Template:
    """Guess which default suits a category, from its address and names."""
    words = f"{category.slug} {category.name_id} {category.name_en}".lower()
    if "kopi" in words or "coffee" in words:
        return COFFEE_BEANS
    if any(word in words for word in ("ikat", "tenun", "sarung", "selendang", "weav")):
        return TENUN_IKAT
    return BASIC


def add_default_standard(
    *, cooperative: Cooperative, category: Category, template: str | None = None, user=None
) -> Standard:
    """Create the category's standard from a shipped default (guessed from the category when not named)."""
    chosen = TEMPLATES.get(template) if template else template_for(category)
    if chosen is None:
        raise StandardError(_("Choose one of the default standards."))
    name_id, name_en = chosen.name_id, chosen.name_en
    if chosen is not COFFEE_BEANS:
        name_id, name_en = f"{chosen.name_id}: {category.name_id}", f"{chosen.name_en}: {category.name_en}"
    return create_standard(
        cooperative=cooperative,
        category=category,
        name_id=name_id,
        name_en=name_en,
        criteria=list(chosen.criteria),
        user=user,
    )


def passing_value(criterion: Criterion, product: Product | None) -> str | None:
    """Return a value that passes the criterion for this product (for the demo and tests); None for photos."""
    if criterion.kind == Kind.PASS_FAIL:
        return "pass"
    if criterion.kind == Kind.GRADE:
        declared = getattr(product, criterion.declared, "") if criterion.declared and product else ""
        if declared and criterion.choice(declared):
            return declared
        return next(c.value for c in criterion.choices if c.effect == Effect.PASS)
    if criterion.kind == Kind.MEASUREMENT:
        low, high = criterion.tolerance_range(product)
        if criterion.relative_to and low is not None:
            return _plain((low + high) / 2)
        if criterion.bands:
            return _plain(min(criterion.bands[0].maximum, criterion.physical_max))
        low = low if low is not None else criterion.physical_min
        high = high if high is not None else criterion.physical_max
        return _plain((low + high) / 2)
    return None


def parse_decimal(raw: str) -> Decimal:
    """Read "12,5", "12.5" or " 180 " as a Decimal; raise InvalidOperation for anything else."""
    text = str(raw).strip().replace(",", ".")
    if not re.fullmatch(r"-?\d{1,7}(\.\d{1,3})?", text):
        raise InvalidOperation(text)
    return Decimal(text)
