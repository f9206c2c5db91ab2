from django import forms
from django.utils.translation import gettext_lazy as _

from sambung.lib.money import MAX_PRICE
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
