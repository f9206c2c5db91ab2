"""Forms of the orders back office: they parse and check input; the writers in fulfilment, payments and
shipping_rates do the saving."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import Cooperative
from sambung.lib.qris import InvalidQris, validate_static_qris
from sambung.orders.models import CancelReason, OrderEvent, OrderStatus, ShippingRate
from sambung.orders.shipping_rates import MAX_DAYS, MAX_KG_PRICE, destination_error

NOTE = forms.CharField(
    label=_("Note"), max_length=300, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
)


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All orders")), *OrderStatus.choices], required=False
    )
    q = forms.CharField(label=_("Order code or buyer"), max_length=60, required=False)


class NoteForm(forms.Form):
    """Confirming a payment, a delivery or a return: an optional note (e.g. the bank's transfer reference)."""

    note = NOTE


class ShipForm(forms.Form):
    courier = forms.CharField(
        label=_("Courier"),
        max_length=OrderEvent._meta.get_field("courier").max_length,
        error_messages={"required": _("Enter the courier.")},
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=OrderEvent._meta.get_field("tracking_number").max_length,
        error_messages={"required": _("Enter the tracking number (resi).")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the order cancelled?"),
        choices=[("", _("Choose a reason")), *CancelReason.choices],
        error_messages={
            "required": _("Choose why the order is cancelled."),
            "invalid_choice": _("Choose why the order is cancelled."),
        },
    )
    note = NOTE


class PaymentSettingsForm(forms.ModelForm):
    class Meta:
        model = Cooperative
        fields = ["qris_static", "bank_name", "bank_account_number", "bank_account_name"]
        widgets = {
            "qris_static": forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        }
        help_texts = {
            "qris_static": _(
                "The text inside the QRIS sticker from the bank, beginning with 000201. "
                "Leave it empty if the cooperative takes no QRIS payments."
            ),
            "bank_account_number": _("As the bank prints it, e.g. 001.02.03.004567-8."),
        }

    def clean_qris_static(self) -> str:
        payload = self.cleaned_data["qris_static"].strip()
        if payload:
            try:
                validate_static_qris(payload)
            except InvalidQris as error:
                raise forms.ValidationError(str(error)) from None
        return payload


class ShippingPriceField(forms.IntegerField):
    """Whole rupiah from 0 to 10 million; accepts 25000, 25.000 and Rp 25.000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Enter the price in whole rupiah, using digits only, e.g. 25000."),
        "min_value": _("Enter a price from Rp 0 to Rp 10.000.000."),
        "max_value": _("Enter a price from Rp 0 to Rp 10.000.000."),
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=0, max_value=MAX_KG_PRICE, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"^rp\.?\s*", "", value.strip(), flags=re.IGNORECASE)
            if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", value):
                value = value.replace(".", "")
        return super().to_python(value)


class DaysField(forms.IntegerField):
    default_error_messages = {
        "invalid": _("Enter a whole number of days."),
        "min_value": _("Enter a number of days from 0 to 60."),
        "max_value": _("Enter a number of days from 0 to 60."),
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=0, max_value=MAX_DAYS, **kwargs)


class ShippingRateForm(forms.ModelForm):
    # Longer than the column, so that a village code typed by mistake gets the message that explains zones.
    destination = forms.CharField(
        label=_("Destination code"),
        max_length=20,
        required=False,
        help_text=_("Province (53), regency (53.07) or empty for anywhere"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "53.07"}),
    )
    first_kg = ShippingPriceField(label=_("Price of the first kg (Rp)"))
    next_kg = ShippingPriceField(label=_("Price of each further kg (Rp)"))
    days_min = DaysField(label=_("Days in transit, at least"))
    days_max = DaysField(label=_("Days in transit, at most"))

    class Meta:
        model = ShippingRate
        fields = ["courier", "destination", "first_kg", "next_kg", "days_min", "days_max", "is_active"]
        error_messages = {"courier": {"required": _("Enter the courier service, e.g. JNE REG.")}}

    def clean_destination(self) -> str:
        code = (self.cleaned_data.get("destination") or "").strip()
        if message := destination_error(code):
            raise forms.ValidationError(message)
        return code

    def clean(self):
        cleaned_data = super().clean()
        days_min, days_max = cleaned_data.get("days_min"), cleaned_data.get("days_max")
        if days_min is not None and days_max is not None and days_min > days_max:
            self.add_error("days_max", _("The most days in transit cannot be fewer than the least."))
        return cleaned_data
