"""Production forms: parse and check input, scoped to one cooperative; they never write (views call writers)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sambung.catalog.forms import DATE_WIDGET, CategoryField, RupiahField
from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker
from sambung.production.models import MAX_WORK_ORDER_PIECES

WHOLE_NUMBER = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4})


class WholeNumberField(forms.IntegerField):
    """A whole number; range checks are the writer's, so that every caller gets the same message."""

    widget = WHOLE_NUMBER
    default_error_messages = {"invalid": _("Enter a whole number, e.g. 2.")}


class CapacityForm(forms.Form):
    category = CategoryField(queryset=Category.objects.all(), label=_("Product type"))
    pieces = WholeNumberField(label=_("Pieces"), help_text=_("e.g. 1 sarong, or 2 selendang"))
    days = WholeNumberField(label=_("In how many days"), initial=30, help_text=_("e.g. 30 for a month"))
    rate_per_piece = forms.IntegerField(
        label=_("Paid per piece (Rp)"),
        min_value=0,
        initial=0,
        widget=WHOLE_NUMBER,
        error_messages={
            "invalid": _("Enter whole rupiah, digits only."),
            "min_value": _("The rate per piece must be from Rp 0 to Rp 1.000.000.000.000."),
        },
    )


class UnavailabilityForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Until"), widget=DATE_WIDGET, help_text=_("The last day she is away."))
    reason = forms.CharField(
        label=_("Reason"), max_length=120, help_text=_("e.g. planting season, a ceremony")
    )


class MakerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Maker) -> str:
        return obj.name


class SKUChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SKU) -> str:
        variant = f" — {obj.name}" if obj.name else ""
        return f"{obj.product.title}{variant} ({obj.code})"


class PledgeForm(forms.Form):
    maker = MakerChoiceField(queryset=Maker.objects.none(), label=_("Maker"))
    sku = SKUChoiceField(queryset=SKU.objects.none(), label=_("Product"))
    quantity = WholeNumberField(
        label=_("Pieces"), initial=1, help_text=_("1 to %(max)s") % {"max": MAX_WORK_ORDER_PIECES}
    )
    needed_by = forms.DateField(
        label=_("Needed by"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Optional: refused if her free capacity cannot finish by then."),
    )
    rate_per_piece = RupiahField(
        label=_("Paid per piece (Rp)"),
        required=False,
        help_text=_("Empty: her usual rate for this product type."),
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), label=_("Delivered to"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, cooperative: Cooperative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["maker"].queryset = Maker.objects.filter(
            cooperative=cooperative, is_active=True, capacities__isnull=False
        ).distinct()
        self.fields["sku"].queryset = (
            SKU.objects.filter(product__cooperative=cooperative, is_active=True)
            .select_related("product")
            .order_by("product__title_id", "code")
        )
        self.fields["location"].queryset = Location.objects.filter(cooperative=cooperative).exclude(
            kind=Location.Kind.TRANSIT
        )
        self.fields["location"].empty_label = _("Her usual hub")


class StageForm(forms.Form):
    stage = forms.IntegerField(widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("Done on"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Finished on"), widget=DATE_WIDGET)
    location = forms.ModelChoiceField(queryset=Location.objects.none(), label=_("Received at"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, cooperative: Cooperative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(cooperative=cooperative).exclude(
            kind=Location.Kind.TRANSIT
        )


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Why is it cancelled?"), max_length=300)


class PayoutForm(forms.Form):
    amount = RupiahField(label=_("Amount (Rp)"))
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_("Note"), max_length=200, required=False, help_text=_("e.g. cash at the hub")
    )


class WaitlistForm(forms.Form):
    contact = forms.CharField(
        label=_("WhatsApp number or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email tel", "placeholder": "0812 3456 7890"}),
    )


class AcceptPlanForm(forms.Form):
    plan = forms.CharField(widget=forms.HiddenInput, max_length=2000)


class StagesForm(forms.Form):
    """One stage a line: Indonesian name | English name | share of the days in %."""

    stages = forms.CharField(
        label=_("Stages"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One stage a line: name in Indonesian | name in English | share of the days in %."),
    )

    def clean_stages(self):
        from sambung.production.capacity import StageSpec

        specs = []
        for line in filter(None, (line.strip() for line in self.cleaned_data["stages"].splitlines())):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or not parts[2].rstrip("%").strip().isdigit():
                raise forms.ValidationError(
                    _(
                        "Write each stage as: name in Indonesian | name in English | share, e.g. menenun | weave | 35"
                    )
                )
            specs.append(StageSpec(parts[0], parts[1], int(parts[2].rstrip("%").strip())))
        return specs
