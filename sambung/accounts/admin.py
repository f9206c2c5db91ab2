"""Django admin for the superuser: who holds which role in which cooperative."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sambung.accounts.models import Membership
from sambung.sync.outbox import member_saved


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "cooperative", "role", "maker"]

    def clean(self):
        cleaned_data = super().clean()
        maker, cooperative = cleaned_data.get("maker"), cleaned_data.get("cooperative")
        if maker and cooperative and maker.cooperative_id != cooperative.pk:
            self.add_error("maker", _("Choose a maker of this cooperative."))
        return cleaned_data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "cooperative", "role", "maker"]
    list_filter = ["role", "cooperative"]
    search_fields = ["user__username", "cooperative__name", "maker__name"]
    raw_id_fields = ["user", "maker"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        member_saved(obj)  # sync: a member created or changed after her hub enrolled reaches the hub
