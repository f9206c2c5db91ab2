"""Back-office forms: parse and check input, scoped to one cooperative; they never write (views call writers)."""

import re

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker, Piece, Product
from sambung.catalog.products import unique_product_slug
from sambung.lib.money import MAX_PRICE
from sambung.lib.regions import village_choices

# Leaves room for "-2", "-3"… within the 80 characters of Product.slug.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHORT_TEXT = forms.Textarea(attrs={"rows": 4})


class VillageField(forms.ChoiceField):
    """A village of the cooperative's regency, chosen from a list grouped by district."""

    default_error_messages = {
        "invalid_choice": _("Choose a village from the list: %(value)s is not a village of this regency."),
        "required": _("Choose a village."),
    }

    def __init__(self, *, regency_code: str, **kwargs) -> None:
        choices = [("", _("Choose a village"))] + village_choices(regency_code)
        super().__init__(choices=choices, **kwargs)


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class RupiahField(forms.IntegerField):
    """Whole rupiah; accepts 1250000, 1.250.000 and Rp 1.250.000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Enter the price in whole rupiah, using digits only, e.g. 1250000."),
        "min_value": _("The price must be at least Rp 1."),
        "max_value": _("The price cannot be more than Rp 1.000.000.000.000 (one trillion)."),
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_PRICE, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"^rp\.?\s*", "", value.strip(), flags=re.IGNORECASE)
            if re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
                value = value.replace(".", "")
        return super().to_python(value)


class MakerForm(forms.ModelForm):
    class Meta:
        model = Maker
        fields = [
            "name",
            "village_code",
            "phone",
            "skills",
            "bio_id",
            "bio_en",
            "shows_name",
            "shows_photo",
            "is_active",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "bio_id": SHORT_TEXT,
            "bio_en": SHORT_TEXT,
        }
        error_messages = {"name": {"required": _("Enter the maker's name.")}}

    def __init__(self, *args, cooperative: Cooperative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village_code"] = VillageField(regency_code=cooperative.regency_code, label=_("Village"))


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "title_id",
            "title_en",
            "category",
            "village_code",
            "story_id",
            "story_en",
            "motif",
            "motif_meaning_id",
            "motif_meaning_en",
            "yarn",
            "dye",
            "dyes_used",
            "length_cm",
            "width_cm",
            "height_cm",
            "weight_g",
            "gi_name",
            "gi_number",
            "care_id",
            "care_en",
            "is_published",
        ]
        widgets = {
            "story_id": SHORT_TEXT,
            "story_en": SHORT_TEXT,
            "motif_meaning_id": SHORT_TEXT,
            "motif_meaning_en": SHORT_TEXT,
            "care_id": SHORT_TEXT,
            "care_en": SHORT_TEXT,
        }
        error_messages = {"title_id": {"required": _("Enter a title in Indonesian.")}}

    def __init__(self, *args, cooperative: Cooperative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village_code"] = VillageField(
            regency_code=cooperative.regency_code, label=_("Village of origin")
        )
        self.fields["category"] = CategoryField(
            queryset=Category.objects.all(),
            label=_("Category"),
            empty_label=_("Choose a category"),
            error_messages={"required": _("Choose a category.")},
        )

    def clean(self):
        cleaned_data = super().clean()
        # A new product's address comes from its title once; later edits keep it, so links stay valid.
        if self.instance._state.adding and cleaned_data.get("title_id"):
            self.instance.slug = unique_product_slug(cleaned_data["title_id"])
        return cleaned_data


class SKUForm(forms.ModelForm):
    price = RupiahField(label=_("Price (Rp)"), help_text=_("Whole rupiah, e.g. 1250000."))

    class Meta:
        model = SKU
        fields = ["code", "name_id", "name_en", "price", "is_unique", "is_active"]
        error_messages = {"code": {"required": _("Enter a code for this SKU.")}}

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        # The (product, code) constraint is not checked by the ModelForm because product is not a form field.
        others = SKU.objects.filter(product_id=self.instance.product_id, code=code).exclude(
            pk=self.instance.pk
        )
        if others.exists():
            raise forms.ValidationError(_("This product already has a SKU with this code."))
        return code


class PieceForm(forms.ModelForm):
    received_at = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        label=_("Received at"),
        empty_label=_("Not received yet"),
        help_text=_("Where the piece is now: it is recorded there as one unit of stock."),
        error_messages={"invalid_choice": _("Choose a location of this cooperative.")},
    )

    class Meta:
        model = Piece
        fields = [
            "sku",
            "maker",
            "code",
            "started_on",
            "finished_on",
            "length_cm",
            "width_cm",
            "notes_id",
            "notes_en",
        ]
        widgets = {
            "started_on": DATE_WIDGET,
            "finished_on": DATE_WIDGET,
            "notes_id": SHORT_TEXT,
            "notes_en": SHORT_TEXT,
        }
        labels = {"sku": _("SKU"), "maker": _("Maker")}
        help_texts = {"code": _("The code on the piece's label, e.g. SKA-2026-014.")}
        error_messages = {
            "sku": {
                "required": _("Choose the SKU this piece is sold as."),
                "invalid_choice": _("Choose a SKU of this cooperative."),
            },
            "maker": {
                "required": _("Choose the maker of this piece."),
                "invalid_choice": _("Choose a maker of this cooperative."),
            },
            "code": {
                "required": _("Enter the piece's code."),
                "unique": _("This code is already used by another piece. Give each piece its own code."),
            },
        }

    def __init__(self, *args, cooperative: Cooperative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        piece = self.instance
        # Inactive SKUs and makers are not offered, except the ones this piece already has.
        self.fields["sku"].queryset = (
            SKU.objects.filter(product__cooperative=cooperative)
            .filter(Q(is_active=True) | Q(pk=piece.sku_id))
            .select_related("product")
            .order_by("product__title_id", "code")
        )
        self.fields["sku"].label_from_instance = sku_label
        self.fields["sku"].empty_label = _("Choose a SKU")
        self.fields["maker"].empty_label = _("Choose a maker")
        self.fields["maker"].queryset = Maker.objects.filter(cooperative=cooperative).filter(
            Q(is_active=True) | Q(pk=piece.maker_id)
        )
        if piece._state.adding:
            self.fields["received_at"].queryset = Location.objects.filter(cooperative=cooperative)
        else:
            # Receiving happens once, when the piece is recorded; later moves belong to the stock ledger.
            del self.fields["received_at"]
            if piece.moves.exists():
                # Its stock moves are booked on this SKU; moving it to another would break level = Σ moves.
                self.fields["sku"].disabled = True
                self.fields["sku"].help_text = _("The SKU cannot change once the piece is in stock.")

    def clean(self):
        cleaned_data = super().clean()
        started_on, finished_on = cleaned_data.get("started_on"), cleaned_data.get("finished_on")
        if started_on and finished_on and finished_on < started_on:
            self.add_error("finished_on", _("The finished date cannot be before the started date."))
        return cleaned_data


def sku_label(sku: SKU) -> str:
    name = f" ({sku.name})" if sku.name else ""
    return f"{sku.code} — {sku.product.title}{name}"


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("A JPEG, PNG or HEIC photo of up to 12 MB."),
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        error_messages={"required": _("Choose a photo to upload."), "empty": _("The file is empty.")},
    )
    alt_id = forms.CharField(label=_("Description (Indonesian)"), max_length=200, required=False)
    alt_en = forms.CharField(label=_("Description (English)"), max_length=200, required=False)

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        # Refuse before add_photo reads a huge upload into memory; same message as add_photo's own check.
        if photo.size > settings.PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 12 MB. Send a smaller photo."))
        return photo


class PieceFilterForm(forms.Form):
    produk = forms.ModelChoiceField(
        queryset=Product.objects.none(),
        required=False,
        label=_("Product"),
        empty_label=_("All products"),
        error_messages={"invalid_choice": _("Choose a product from the list.")},
    )

    def __init__(self, *args, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["produk"].queryset = products
        self.fields["produk"].label_from_instance = lambda product: product.title
