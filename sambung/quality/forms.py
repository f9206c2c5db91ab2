"""Quality forms: the inspection checklist generated from a standard's version, and the standard's editors.

They parse only; the rules (required answers, physical ranges, outcomes, consistent criteria) live in
quality.inspections and quality.standards, whose messages the views show on the fields.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import Category, Product
from sambung.quality.inspections import MAX_NOTE, MAX_PHOTOS
from sambung.quality.standards import (
    DECLARED_ATTRIBUTES,
    EFFECT_LABELS,
    MEASURED_ATTRIBUTES,
    TEMPLATES,
    Band,
    Choice,
    Criterion,
    Effect,
    Kind,
    parse_decimal,
)

PASS_FAIL_CHOICES = [("pass", _("Yes, passes")), ("fail", _("No, fails"))]
EFFECT_CHOICES = [(effect.value, label) for effect, label in EFFECT_LABELS.items()]
FAIL_EFFECT_CHOICES = [(e, label) for e, label in EFFECT_CHOICES if e != Effect.PASS]
NUMBER = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 8})
FIELD_PREFIX = "k_"  # checklist fields are named after criterion keys, kept apart from photos, note, quantity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one file input (a phone offers its camera and gallery)."""

    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultiplePhotoField, self).clean(file, initial) for file in files]
        for photo in cleaned:
            # Refuse before the inspection reads a huge upload into memory; same message as open_photo's.
            if photo.size > settings.PHOTO_MAX_BYTES:
                raise forms.ValidationError(_("The photo is larger than 12 MB. Send a smaller photo."))
        return cleaned


class InspectionForm(forms.Form):
    """One field per criterion of the version; the domain function checks the answers."""

    version = forms.UUIDField(widget=forms.HiddenInput)
    photos = MultiplePhotoField(
        label=_("Inspection photos"),
        required=False,
        help_text=_("Up to 10 photos, JPEG, PNG or HEIC, 12 MB each at most."),
    )
    note_id = forms.CharField(
        label=_("Note for buyers (Indonesian)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to buyers with the inspection, e.g. where a small flaw is."),
    )
    note_en = forms.CharField(
        label=_("Note for buyers (English)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        criteria: list[Criterion],
        product: Product,
        max_quantity: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        checklist = {}
        for criterion in criteria:
            field = criterion_field(criterion, product)
            if field is not None:
                checklist[FIELD_PREFIX + criterion.key] = field
        photo_rules = [c for c in criteria if c.kind == Kind.PHOTO]
        if photo_rules:
            self.fields["photos"].help_text = " · ".join(
                [f"{c.label}: {c.min_photos}+" for c in photo_rules] + [str(self.fields["photos"].help_text)]
            )
            self.fields["photos"].is_asked = any(c.required for c in photo_rules)
        if max_quantity is not None:
            self.fields["quantity"] = forms.IntegerField(
                label=_("Units inspected"),
                min_value=1,
                max_value=max_quantity,
                initial=max_quantity,
                help_text=_("Units of this batch the inspection covers; %(count)s are in quality control.")
                % {"count": max_quantity},
                error_messages={
                    "required": _("Enter how many units you inspected."),
                    "invalid": _("Enter a whole number of units."),
                    "max_value": _("Only %(limit_value)s units are in quality control here."),
                    "min_value": _("Enter at least 1 unit."),
                },
            )
        # The checklist first, then photos and the note, as the inspector works through the piece.
        others = self.fields
        self.fields = {**checklist, **others}

    @property
    def checklist(self):
        return [self[name] for name in self.fields if name.startswith(FIELD_PREFIX)]

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("Send at most %(max)s photos per inspection.") % {"max": MAX_PHOTOS}
            )
        return photos

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix(FIELD_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(FIELD_PREFIX)
        }

    def field_for(self, key: str) -> str | None:
        """The form field showing a criterion's errors (photos for photo criteria), None for the whole form."""
        if key == "note":
            return "note_id"
        if key in self.fields:
            return key  # photos, quantity
        criterion = next((c for c in self.criteria if c.key == key), None)
        if criterion is not None and criterion.kind == Kind.PHOTO:
            return "photos"
        return FIELD_PREFIX + key if FIELD_PREFIX + key in self.fields else None


def criterion_field(criterion: Criterion, product: Product) -> forms.Field | None:
    """The checklist field for one criterion (photo criteria are answered by the photos field)."""
    common = {"label": criterion.label, "required": False}
    if criterion.kind == Kind.PASS_FAIL:
        field = forms.ChoiceField(choices=PASS_FAIL_CHOICES, widget=forms.RadioSelect, **common)
    elif criterion.kind == Kind.GRADE:
        field = forms.ChoiceField(
            choices=[(c.value, c.label) for c in criterion.choices], widget=forms.RadioSelect, **common
        )
        declared = getattr(product, criterion.declared, "") if criterion.declared else ""
        if declared:
            choice = criterion.choice(declared)
            field.help_text = _("Declared: %(value)s. A different finding rejects the piece.") % {
                "value": choice.label if choice else declared
            }
    elif criterion.kind == Kind.MEASUREMENT:
        label = f"{criterion.label} ({criterion.unit})" if criterion.unit else criterion.label
        field = forms.CharField(widget=NUMBER, max_length=12, **{**common, "label": label})
        low, high = criterion.tolerance_range(product)
        hints = []
        if criterion.relative_to and low is not None:
            hints.append(
                _("Declared %(value)s %(unit)s; accepted %(low)s–%(high)s.")
                % {
                    "value": getattr(product, criterion.relative_to),
                    "unit": criterion.unit,
                    "low": _plain(low),
                    "high": _plain(high),
                }
            )
        elif high is not None:
            hints.append(_("At most %(value)s %(unit)s.") % {"value": _plain(high), "unit": criterion.unit})
        elif low is not None:
            hints.append(_("At least %(value)s %(unit)s.") % {"value": _plain(low), "unit": criterion.unit})
        if criterion.bands:
            hints.append(" · ".join(f"≤ {_plain(b.maximum)}: {b.label}" for b in criterion.bands))
        field.help_text = " ".join(str(hint) for hint in hints)
    else:
        return None
    field.is_asked = criterion.required
    return field


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


# -- Standards ----------------------------------------------------------------------------------------------


class DefaultStandardForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        label=_("Category"),
        empty_label=_("Choose a category"),
        error_messages={
            "required": _("Choose a category."),
            "invalid_choice": _("Choose a category without a standard from the list."),
        },
    )
    template = forms.ChoiceField(label=_("Default standard"), choices=[], required=False)

    def __init__(self, *args, categories, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["category"].label_from_instance = lambda category: category.name
        self.fields["template"].choices = [("", _("The one that suits the category"))] + [
            (t.slug, t.name) for t in TEMPLATES.values()
        ]


def _decimal_field(label, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=12, widget=NUMBER, **kwargs)


class CriterionForm(forms.Form):
    """Edit one criterion of a kind; rows of choices (grade scales) or bands (measurements) as numbered fields."""

    based_on = forms.UUIDField(widget=forms.HiddenInput)
    label_id = forms.CharField(
        label=_("Name (Indonesian)"),
        max_length=120,
        error_messages={"required": _("Give the criterion a name in Indonesian.")},
    )
    label_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    required = forms.BooleanField(
        label=_("Must be answered"), required=False, help_text=_("An inspection without it is refused.")
    )

    def __init__(self, *args, kind: Kind, criterion: Criterion | None = None, **kwargs) -> None:
        self.kind, self.original = kind, criterion
        initial = kwargs.pop("initial", {}) or {}
        if criterion is not None:
            initial = {**criterion_initial(criterion), **initial}
        else:
            initial = {"required": True, **initial}
        super().__init__(*args, initial=initial, **kwargs)
        self.rows = 0
        if kind == Kind.PASS_FAIL:
            self.fields["fail_effect"] = forms.ChoiceField(
                label=_("When it fails"), choices=FAIL_EFFECT_CHOICES, initial=Effect.REJECT
            )
        elif kind == Kind.GRADE:
            self.fields["declared"] = forms.ChoiceField(
                label=_("Compare with the product's declared"),
                choices=[("", _("nothing: a scale of its own"))] + list(DECLARED_ATTRIBUTES.items()),
                required=False,
                help_text=_("An observed value other than the declared one rejects the piece."),
            )
            self.rows = self._add_rows("choice", len(criterion.choices) if criterion else 0, bands=False)
        elif kind == Kind.MEASUREMENT:
            self.fields["unit"] = forms.CharField(label=_("Unit"), max_length=12, required=False)
            self.fields["physical_min"] = _decimal_field(
                _("Smallest value possible"), help_text=_("Anything below is refused as a typing mistake.")
            )
            self.fields["physical_max"] = _decimal_field(
                _("Largest value possible"), help_text=_("Anything above is refused as a typing mistake.")
            )
            self.fields["relative_to"] = forms.ChoiceField(
                label=_("Tolerance around"),
                choices=[("", _("fixed limits (below)"))] + list(MEASURED_ATTRIBUTES.items()),
                required=False,
            )
            self.fields["tolerance"] = _decimal_field(_("Tolerance (±)"))
            self.fields["minimum"] = _decimal_field(_("Accepted minimum"))
            self.fields["maximum"] = _decimal_field(_("Accepted maximum"))
            self.fields["outside_effect"] = forms.ChoiceField(
                label=_("Outside the tolerance or limits"), choices=FAIL_EFFECT_CHOICES, initial=Effect.REJECT
            )
            self.rows = self._add_rows("band", len(criterion.bands) if criterion else 0, bands=True)
        elif kind == Kind.PHOTO:
            self.fields["min_photos"] = forms.IntegerField(
                label=_("Photos at least"), min_value=1, max_value=MAX_PHOTOS, initial=1
            )

    def _add_rows(self, name: str, existing: int, *, bands: bool) -> int:
        rows = min(existing + 2, 10) if existing else (7 if not bands else 3)
        for n in range(1, rows + 1):
            if bands:
                self.fields[f"band_{n}_maximum"] = _decimal_field(_("Up to"))
            self.fields[f"{name}_{n}_label_id"] = forms.CharField(
                label=_("Name (Indonesian)"), max_length=80, required=False
            )
            self.fields[f"{name}_{n}_label_en"] = forms.CharField(
                label=_("Name (English)"), max_length=80, required=False
            )
            self.fields[f"{name}_{n}_effect"] = forms.ChoiceField(
                label=_("Effect"), choices=EFFECT_CHOICES, initial=Effect.PASS, required=False
            )
        return rows

    def row_groups(self) -> list[list]:
        prefix = "choice" if self.kind == Kind.GRADE else "band"
        groups = []
        for n in range(1, self.rows + 1):
            names = [f"{prefix}_{n}_label_id", f"{prefix}_{n}_label_en", f"{prefix}_{n}_effect"]
            if prefix == "band":
                names.insert(0, f"band_{n}_maximum")
            groups.append([self[name] for name in names])
        return groups

    def main_fields(self) -> list:
        return [
            self[name]
            for name in self.fields
            if not name.startswith(("choice_", "band_")) and name != "based_on"
        ]

    def _number(self, name: str) -> Decimal | None:
        raw = self.cleaned_data.get(name) or ""
        if not str(raw).strip():
            return None
        try:
            return parse_decimal(raw)
        except InvalidOperation:
            self.add_error(name, _("Enter a number, e.g. 180 or 12,5."))
            return None

    def criterion(self, key: str) -> Criterion:
        """Build the criterion from the cleaned data (call after is_valid)."""
        data = self.cleaned_data
        values: dict = {
            "key": key,
            "kind": self.kind,
            "label_id": data["label_id"].strip(),
            "label_en": data["label_en"].strip(),
            "required": data["required"],
        }
        if self.kind == Kind.PASS_FAIL:
            values["fail_effect"] = Effect(data["fail_effect"])
        elif self.kind == Kind.GRADE:
            values["declared"] = data["declared"]
            values["choices"] = tuple(self._choices())
        elif self.kind == Kind.MEASUREMENT:
            values["unit"] = data["unit"].strip()
            for name in ("physical_min", "physical_max", "minimum", "maximum", "tolerance"):
                values[name] = self._number(name)
            values["relative_to"] = data["relative_to"]
            values["outside_effect"] = Effect(data["outside_effect"])
            values["bands"] = tuple(self._bands())
        elif self.kind == Kind.PHOTO:
            values["min_photos"] = data["min_photos"]
        return Criterion(**values)

    def _choices(self):
        previous = list(self.original.choices) if self.original else []
        used = set()
        for n in range(1, self.rows + 1):
            label_id = self.cleaned_data.get(f"choice_{n}_label_id", "").strip()
            if not label_id:
                continue
            label_en = self.cleaned_data.get(f"choice_{n}_label_en", "").strip()
            # A row keeps its value (recorded inspections and declared attributes name it); new rows get one.
            if n <= len(previous):
                value = previous[n - 1].value
            else:
                value = slugify(label_en or label_id)[:40] or str(n)
            while value in used:
                value = f"{value}-{n}"
            used.add(value)
            yield Choice(
                value, label_id, label_en, Effect(self.cleaned_data[f"choice_{n}_effect"] or Effect.PASS)
            )

    def _bands(self):
        for n in range(1, self.rows + 1):
            label_id = self.cleaned_data.get(f"band_{n}_label_id", "").strip()
            maximum = self._number(f"band_{n}_maximum")
            if not label_id and maximum is None:
                continue
            if maximum is None:
                self.add_error(f"band_{n}_maximum", _("Enter the upper limit of this band."))
                continue
            label_en = self.cleaned_data.get(f"band_{n}_label_en", "").strip()
            yield Band(
                maximum, label_id, label_en, Effect(self.cleaned_data[f"band_{n}_effect"] or Effect.PASS)
            )


def criterion_initial(criterion: Criterion) -> dict:
    initial: dict = {
        "label_id": criterion.label_id,
        "label_en": criterion.label_en,
        "required": criterion.required,
        "fail_effect": criterion.fail_effect,
        "declared": criterion.declared,
        "unit": criterion.unit,
        "relative_to": criterion.relative_to,
        "outside_effect": criterion.outside_effect,
        "min_photos": criterion.min_photos,
    }
    for name in ("physical_min", "physical_max", "minimum", "maximum", "tolerance"):
        value = getattr(criterion, name)
        initial[name] = "" if value is None else _plain(value)
    for n, choice in enumerate(criterion.choices, start=1):
        initial.update(
            {
                f"choice_{n}_label_id": choice.label_id,
                f"choice_{n}_label_en": choice.label_en,
                f"choice_{n}_effect": choice.effect,
            }
        )
    for n, band in enumerate(criterion.bands, start=1):
        initial.update(
            {
                f"band_{n}_maximum": _plain(band.maximum),
                f"band_{n}_label_id": band.label_id,
                f"band_{n}_label_en": band.label_en,
                f"band_{n}_effect": band.effect,
            }
        )
    return initial


class ReceiveBackForm(forms.Form):
    """Where a reworked piece comes back into stock (quality control)."""

    location = forms.ModelChoiceField(queryset=None, label=_("Received at"), empty_label=None)

    def __init__(self, *args, locations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations


class WriteOffForm(forms.Form):
    """How many rejected counted units to write off."""

    quantity = forms.IntegerField(
        label=_("Units to write off"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 6}),
    )

    def __init__(self, *args, max_quantity: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity"].max_value = max_quantity
        self.fields["quantity"].validators.append(MaxValueValidator(max_quantity))
        self.fields["quantity"].widget.attrs["max"] = max_quantity
