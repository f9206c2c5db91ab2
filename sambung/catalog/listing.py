"""Listing quality: a score from 0 to 100 for every product, with the concrete fixes that would raise it.

Photos are worth 45 points (how many; the original's resolution; sharpness; exposure), the description 55 (a story,
both languages, size, weight, materials, care, the motif and its meaning). A check that does not apply — the yarn
of a bag of coffee — is left out, and the score is the share of the applicable points earned.

Photo metrics are measured once per photo, from its stored detail rendition (never the 12 MB original), and kept
in feedback.PhotoCheck (written by feedback.photo_checks): scoring a page of 1,000 products decodes no image.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from uuid import UUID

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from sambung.catalog.models import Cooperative, Photo, Product

# Measuring: the detail rendition is brought to this long side, so that thresholds do not depend on its size.
SAMPLE_LONG_SIDE = 640
# Sharpness is judged where the photo has detail: tiles whose grey levels vary. A plain backdrop or a flat
# coffee bag has almost no Laplacian response even in focus, and would otherwise read as blur.
TILE = 32
TEXTURE_MIN_STD = 4.0
MIN_TEXTURED_SHARE = 0.10
SHADOW_LEVEL, HIGHLIGHT_LEVEL = 5, 250  # grey levels counted as clipped to black / to white

# Thresholds. tests/test_listing.py checks that each one separates generated good and bad photos by a margin.
MIN_LONG_SIDE = 1200  # pixels on the original's long side
MIN_SHARPNESS = 50.0  # variance of the Laplacian at SAMPLE_LONG_SIDE
DARK_BELOW = 40.0  # mean grey level
BRIGHT_ABOVE = 215.0
MAX_CLIPPED = 0.25  # share of the pixels clipped to black (too dark) or to white (overexposed)
TEXTILE_MIN_PHOTOS, OTHER_MIN_PHOTOS = 3, 1
MIN_STORY = 80  # characters: two sentences at least
TEXTILE_WORDS = ("ikat", "tenun", "sarung", "selendang", "kain", "songket", "textile")

# Points of each check; a textile can earn all 100.
PHOTO_COUNT, PHOTO_SIZE, PHOTO_SHARP, PHOTO_NOT_DARK, PHOTO_NOT_BRIGHT = 15, 10, 10, 5, 5
STORY, BOTH_LANGUAGES, SIZE, WEIGHT, CARE = 8, 8, 8, 5, 6
YARN, DYE, DYE_SOURCES, MOTIF, MOTIF_MEANING = 4, 3, 3, 4, 6


@dataclass(frozen=True)
class PhotoMetrics:
    long_side: int  # of the original upload
    sharpness: float
    brightness: float
    shadows_clipped: float
    highlights_clipped: float

    @property
    def is_large_enough(self) -> bool:
        return self.long_side >= MIN_LONG_SIDE

    @property
    def is_sharp(self) -> bool:
        return self.sharpness >= MIN_SHARPNESS

    @property
    def is_too_dark(self) -> bool:
        return self.brightness < DARK_BELOW or self.shadows_clipped > MAX_CLIPPED

    @property
    def is_overexposed(self) -> bool:
        return self.brightness > BRIGHT_ABOVE or self.highlights_clipped > MAX_CLIPPED


@dataclass(frozen=True)
class Fix:
    points: int  # what the score gains once this is fixed
    message: str


@dataclass(frozen=True)
class ListingScore:
    product: Product
    score: int
    missing: tuple[tuple[int, Callable[[], str]], ...]  # (points it would add, its fix), largest first
    photo_count: int
    unmeasured_photos: int  # photos whose metrics are not measured yet: left out of the photo checks

    @cached_property
    def fixes(self) -> list[Fix]:
        """The concrete fixes, worded in the current language (only for the rows a page shows)."""
        return [Fix(points=points, message=fix()) for points, fix in self.missing]


def measure_photo(image: Image.Image, *, long_side: int) -> PhotoMetrics:
    """Measure sharpness and exposure of an image (the detail rendition); `long_side` is the original's."""
    grey = image.convert("L")
    scale = SAMPLE_LONG_SIDE / max(grey.size)
    if scale < 1:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BOX)
    pixels = np.asarray(grey, dtype=np.float32)
    return PhotoMetrics(
        long_side=long_side,
        sharpness=laplacian_variance(pixels),
        brightness=float(pixels.mean()),
        shadows_clipped=float((pixels <= SHADOW_LEVEL).mean()),
        highlights_clipped=float((pixels >= HIGHLIGHT_LEVEL).mean()),
    )


def laplacian_variance(pixels: np.ndarray) -> float:
    """Return the variance of the Laplacian of a grey image, over its textured tiles (all, if nearly flat)."""
    if min(pixels.shape) < 3:
        return 0.0
    inner = pixels[1:-1, 1:-1]
    laplacian = pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:] - 4 * inner
    rows, cols = inner.shape[0] // TILE, inner.shape[1] // TILE
    if rows == 0 or cols == 0:
        return float(laplacian.var())

    def tiles(array: np.ndarray) -> np.ndarray:
        cropped = array[: rows * TILE, : cols * TILE]
        return cropped.reshape(rows, TILE, cols, TILE).swapaxes(1, 2).reshape(rows * cols, TILE * TILE)

    textured = tiles(inner).std(axis=1) >= TEXTURE_MIN_STD
    if textured.mean() < MIN_TEXTURED_SHARE:
        return float(laplacian.var())
    return float(tiles(laplacian)[textured].var())


def is_textile(product: Product) -> bool:
    """Whether the product is a cloth: it has yarn, dyes or a motif, or its category says so."""
    if product.yarn or product.dye or product.motif:
        return True
    category = product.category.slug.lower()
    return any(word in category for word in TEXTILE_WORDS)


@dataclass(frozen=True)
class _Check:
    points: int
    earned: float  # share of the points earned, 0–1
    # The fix, as a function: its words are only looked up for the rows a page shows.
    fix: Callable[[], str]


def _numbers(photos: list[int]) -> str:
    return ", ".join(str(number) for number in photos)


def _photo_checks(textile: bool, photos: Sequence[PhotoMetrics | None]) -> list[_Check]:
    required = TEXTILE_MIN_PHOTOS if textile else OTHER_MIN_PHOTOS
    if not photos:
        total = PHOTO_COUNT + PHOTO_SIZE + PHOTO_SHARP + PHOTO_NOT_DARK + PHOTO_NOT_BRIGHT
        if textile:
            return [
                _Check(
                    total,
                    0.0,
                    lambda: (
                        _(
                            "Add at least %(count)s photos: the whole cloth, a close-up of the motif, and the back or an edge."
                        )
                        % {"count": required}
                    ),
                )
            ]
        return [_Check(total, 0.0, lambda: _("Add a photo: buyers do not order what they cannot see."))]
    missing = max(0, required - len(photos))
    checks = [
        _Check(
            PHOTO_COUNT,
            min(1.0, len(photos) / required),
            lambda: (
                ngettext(
                    "Add %(count)s more photo: a cloth needs at least %(required)s (the whole cloth, a close-up of the motif, the back or an edge).",
                    "Add %(count)s more photos: a cloth needs at least %(required)s (the whole cloth, a close-up of the motif, the back or an edge).",
                    missing,
                )
                % {"count": missing, "required": required}
            ),
        )
    ]
    measured = [(number, m) for number, m in enumerate(photos, start=1) if m is not None]
    if not measured:
        return checks

    def share_passing(failing: list[int]) -> float:
        return 1 - len(failing) / len(measured)

    small = [number for number, m in measured if not m.is_large_enough]
    blurred = [number for number, m in measured if not m.is_sharp]
    dark = [number for number, m in measured if m.is_too_dark]
    bright = [number for number, m in measured if m.is_overexposed]
    checks += [
        _Check(
            PHOTO_SIZE,
            share_passing(small),
            lambda: (
                ngettext(
                    "Photo %(numbers)s is smaller than %(pixels)s pixels on its long side: upload the phone camera's original, not a forwarded or cropped copy.",
                    "Photos %(numbers)s are smaller than %(pixels)s pixels on their long side: upload the phone camera's originals, not forwarded or cropped copies.",
                    len(small),
                )
                % {"numbers": _numbers(small), "pixels": MIN_LONG_SIDE}
            ),
        ),
        _Check(
            PHOTO_SHARP,
            share_passing(blurred),
            lambda: (
                ngettext(
                    "Photo %(numbers)s looks blurred: retake it in daylight, holding the phone still, and tap the cloth to focus first.",
                    "Photos %(numbers)s look blurred: retake them in daylight, holding the phone still, and tap the cloth to focus first.",
                    len(blurred),
                )
                % {"numbers": _numbers(blurred)}
            ),
        ),
        _Check(
            PHOTO_NOT_DARK,
            share_passing(dark),
            lambda: (
                ngettext(
                    "Photo %(numbers)s is too dark: take it in daylight, near an open door or window.",
                    "Photos %(numbers)s are too dark: take them in daylight, near an open door or window.",
                    len(dark),
                )
                % {"numbers": _numbers(dark)}
            ),
        ),
        _Check(
            PHOTO_NOT_BRIGHT,
            share_passing(bright),
            lambda: (
                ngettext(
                    "Photo %(numbers)s is overexposed (parts are pure white): take it in the shade, out of direct sun.",
                    "Photos %(numbers)s are overexposed (parts are pure white): take them in the shade, out of direct sun.",
                    len(bright),
                )
                % {"numbers": _numbers(bright)}
            ),
        ),
    ]
    return checks


def _both_languages(product: Product, textile: bool) -> _Check:
    """Each text in Indonesian and English: the title always, the story, care and motif meaning once written."""
    pairs = [("title", lambda: _("title"))]
    if product.story_id.strip() or product.story_en.strip():
        pairs.append(("story", lambda: _("story")))
    if product.care_id.strip() or product.care_en.strip():
        pairs.append(("care", lambda: _("care")))
    if textile and (product.motif_meaning_id.strip() or product.motif_meaning_en.strip()):
        pairs.append(("motif_meaning", lambda: _("meaning of the motif")))
    missing = [
        (label, language)
        for field, label in pairs
        for language in ("id", "en")
        if not getattr(product, f"{field}_{language}").strip()
    ]

    def fix() -> str:
        fields = [
            (_("%(field)s in Indonesian") if language == "id" else _("%(field)s in English"))
            % {"field": label()}
            for label, language in missing
        ]
        return _("Write it in both languages; missing: %(fields)s.") % {"fields": ", ".join(fields)}

    return _Check(BOTH_LANGUAGES, 1 - len(missing) / (2 * len(pairs)), fix)


def _description_checks(product: Product, textile: bool) -> list[_Check]:
    story = max(len(product.story_id.strip()), len(product.story_en.strip()))
    if textile:
        has_size = bool(product.length_cm and product.width_cm)
        size_fix = lambda: _("Enter the size: length and width in cm.")  # noqa: E731
    else:
        has_size = bool(product.length_cm and product.width_cm and product.height_cm)
        size_fix = lambda: _(  # noqa: E731
            "Enter the packed size: length, width and height in cm (couriers charge by volume)."
        )
    checks = [
        _Check(
            STORY,
            float(story >= MIN_STORY),
            lambda: (
                _(
                    "Tell the product's story: who made it, in which village, and how (at least %(count)s characters)."
                )
                % {"count": MIN_STORY}
            ),
        ),
        _both_languages(product, textile),
        _Check(SIZE, float(has_size), size_fix),
        _Check(
            WEIGHT,
            float(bool(product.weight_g)),
            lambda: _("Enter the weight in grams (shipping is charged by it)."),
        ),
        _Check(
            CARE,
            float(bool(product.care_id.strip() or product.care_en.strip())),
            lambda: _("Say how to care for it: washing, drying, storing."),
        ),
    ]
    if textile:
        checks += [
            _Check(
                YARN,
                float(bool(product.yarn)),
                lambda: _("Say which yarn it is woven from: handspun cotton or factory yarn."),
            ),
            _Check(
                DYE,
                float(bool(product.dye)),
                lambda: _("Say which dyes were used: natural, synthetic or both."),
            ),
            _Check(MOTIF, float(bool(product.motif.strip())), lambda: _("Name the motif.")),
            _Check(
                MOTIF_MEANING,
                float(bool(product.motif_meaning_id.strip() or product.motif_meaning_en.strip())),
                lambda: _("Explain what the motif means: it is what buyers of ikat want to know."),
            ),
        ]
        if product.dye in (Product.Dye.NATURAL, Product.Dye.MIXED):
            checks.append(
                _Check(
                    DYE_SOURCES,
                    float(bool(product.dyes_used.strip())),
                    lambda: _("Name the dye plants, e.g. indigo (tarum) or morinda root (mengkudu)."),
                )
            )
    return checks


def score_listing(product: Product, photos: Sequence[PhotoMetrics | None]) -> ListingScore:
    """Score a product from its fields and its photos' metrics (in display order; None = not measured yet)."""
    textile = is_textile(product)
    checks = _photo_checks(textile, photos) + _description_checks(product, textile)
    total = sum(check.points for check in checks)
    earned = sum(check.points * check.earned for check in checks)
    missing = [
        (max(1, round(100 * check.points * (1 - check.earned) / total)), check.fix)
        for check in checks
        if check.earned < 1
    ]
    return ListingScore(
        product=product,
        score=round(100 * earned / total),
        missing=tuple(sorted(missing, key=lambda item: -item[0])),
        photo_count=len(photos),
        unmeasured_photos=sum(1 for metrics in photos if metrics is None),
    )


def listing_report(cooperative: Cooperative) -> list[ListingScore]:
    """Score every product of the cooperative, worst first.

    Two queries: the products, and their photos' stored metrics as plain rows (no photo objects).
    """
    products = Product.objects.filter(cooperative=cooperative).select_related("category").defer("search_text")
    metrics = (
        Photo.objects.filter(product__cooperative=cooperative, has_files=True)
        .order_by("product_id", "position", "created_at")
        .values_list(
            "product_id",
            "listing_check__long_side",
            "listing_check__sharpness",
            "listing_check__brightness",
            "listing_check__shadows_clipped",
            "listing_check__highlights_clipped",
        )
    )
    photos: dict[UUID, list[PhotoMetrics | None]] = defaultdict(list)
    for product_id, long_side, *figures in metrics:
        photos[product_id].append(None if long_side is None else PhotoMetrics(long_side, *figures))
    scores = [score_listing(product, photos[product.pk]) for product in products]
    return sorted(scores, key=lambda score: (score.score, score.product.title_id.lower()))
