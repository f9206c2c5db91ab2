from django import forms
from django.utils.translation import gettext_lazy as _

from sambung.catalog.forms import VillageField


class HubForm(forms.Form):
    name = forms.CharField(label=_("Hub name"), max_length=120, help_text=_("e.g. Hub Desa Watublapi"))

    def __init__(self, *args, cooperative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village_code"] = VillageField(regency_code=cooperative.regency_code, label=_("Village"))


class BundleForm(forms.Form):
    bundle = forms.FileField(label=_("Bundle file (.sambung)"))
