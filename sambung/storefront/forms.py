from django import forms
from django.utils.translation import gettext_lazy as _

from sambung.lib import regions
from sambung.lib.money import MAX_PRICE, format_rupiah
from sambung.lib.phones import InvalidPhone, normalize_whatsapp
from sambung.orders.cart import BadCart, parse_quantity
from sambung.orders.checkout import Buyer
from sambung.orders.models import PaymentMethod
from sambung.storefront import queries


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    cooperative = forms.ChoiceField(label=_("Cooperative"), required=False)
    region = forms.ChoiceField(label=_("Regency / village"), required=False)
    min_price = forms.IntegerField(
        label=_("Lowest price (Rp)"), required=False, min_value=0, max_value=MAX_PRICE
    )
    max_price = forms.IntegerField(
        label=_("Highest price (Rp)"), required=False, min_value=0, max_value=MAX_PRICE
    )
    natural_dye = forms.BooleanField(label=_("Natural dyes"), required=False)
    ready = forms.BooleanField(label=_("Ready to ship"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["category"].choices = everything + [(c.slug, c.name) for c in queries.categories()]
        self.fields["cooperative"].choices = everything + [(c.slug, c.name) for c in queries.cooperatives()]
        self.fields["region"].choices = everything + queries.region_choices()

    def filters(self) -> queries.ProductFilters:
        """Return the valid filters; a field with a bad value is left out (its error is shown)."""
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return queries.ProductFilters(
            q=data.get("q") or "",
            category=data.get("category") or "",
            cooperative=data.get("cooperative") or "",
            region=data.get("region") or "",
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            natural_dye=bool(data.get("natural_dye")),
            ready=bool(data.get("ready")),
        )


class AddToCartForm(forms.Form):
    sku = forms.UUIDField()
    piece = forms.UUIDField(required=False)
    quantity = forms.CharField(required=False, max_length=10)
    made_to_order = forms.BooleanField(required=False)  # made by the makers; its date is set at checkout

    def clean_quantity(self) -> int:
        raw = self.cleaned_data.get("quantity") or "1"
        try:
            return parse_quantity(raw)
        except BadCart as error:
            raise forms.ValidationError(str(error)) from None


class CheckoutForm(forms.Form):
    """The buyer's details; address chosen province → regency → district → village, without JavaScript."""

    name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.CharField(label=_("WhatsApp number"), max_length=30, help_text=_("e.g. 0812 3456 7890"))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False, max_length=254)
    address = forms.CharField(
        label=_("Street, house number, RT/RW"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    province = forms.ChoiceField(label=_("Province"))
    regency = forms.ChoiceField(label=_("Regency / city"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    shipping_rate = forms.ChoiceField(label=_("Courier"), required=False, widget=forms.RadioSelect)
    payment_method = forms.ChoiceField(
        label=_("Payment"), choices=PaymentMethod.choices, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args, quotes=(), qris_allowed: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        data = self.data
        choose = [("", _("Choose…"))]
        self.fields["province"].choices = choose + list(regions.children_of(""))
        for field, parent in (("regency", "province"), ("district", "regency"), ("village", "district")):
            parent_code = data.get(parent, "") if parent in data else ""
            parent_valid = parent_code in dict(self.fields[parent].choices) and parent_code
            self.fields[field].choices = choose + (
                list(regions.children_of(parent_code)) if parent_valid else []
            )
        self.quotes = list(quotes)
        self.fields["shipping_rate"].choices = [
            (
                str(rate.pk),
                f"{rate.courier} — {format_rupiah(price)} ({rate.days_min}–{rate.days_max} "
                + str(_("days"))
                + ")",
            )
            for rate, _kg, price in self.quotes
        ]
        if not qris_allowed:
            self.fields["payment_method"].choices = [
                c for c in PaymentMethod.choices if c[0] != PaymentMethod.QRIS
            ]

    def clean_phone(self) -> str:
        try:
            return normalize_whatsapp(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        village = cleaned.get("village") or ""
        for field, parent in (("regency", "province"), ("district", "regency"), ("village", "district")):
            code, parent_code = cleaned.get(field) or "", cleaned.get(parent) or ""
            if code and not code.startswith(parent_code + "."):
                self.add_error(
                    field,
                    _("This is not inside the %(parent)s you chose.") % {"parent": self.fields[parent].label},
                )
        self.village_ready = bool(village) and regions.get_village(village) is not None
        return cleaned

    def buyer(self) -> Buyer:
        data = self.cleaned_data
        return Buyer(
            name=data["name"].strip(),
            phone=data["phone"],
            email=data.get("email") or "",
            address=data["address"].strip(),
            village_code=data["village"],
        )

    def chosen_rate(self):
        chosen = self.cleaned_data.get("shipping_rate")
        return next((rate for rate, _kg, _price in self.quotes if str(rate.pk) == chosen), None)


class OrderLookupForm(forms.Form):
    code = forms.CharField(label=_("Order code"), max_length=16)
    phone = forms.CharField(label=_("WhatsApp number used for the order"), max_length=30)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_phone(self) -> str:
        try:
            return normalize_whatsapp(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(str(error)) from None
