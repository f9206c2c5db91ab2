"""Django admin for the superuser: orders to read only (they change through fulfilment's steps in the back
office); shipping rates saved through their writer."""

from django import forms
from django.contrib import admin

from sambung.orders.models import Order, OrderEvent, OrderLine, ShippingRate
from sambung.orders.shipping_rates import save_shipping_rate, shipping_rate_errors


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["title", "piece", "quantity", "unit_price", "location", "promised_ship_by", "made_to_order"]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "kind", "cancel_reason", "courier", "tracking_number", "note", "actor"]
    readonly_fields = ["created_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["code", "cooperative", "status", "buyer_name", "total", "promised_ship_by", "created_at"]
    list_filter = ["status", "payment_method", "cooperative"]
    search_fields = ["code", "buyer_name", "buyer_phone", "buyer_email"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ShippingRateAdminForm(forms.ModelForm):
    class Meta:
        model = ShippingRate
        fields = [
            "cooperative",
            "courier",
            "destination",
            "first_kg",
            "next_kg",
            "days_min",
            "days_max",
            "is_active",
        ]

    def clean(self):
        cleaned_data = super().clean()
        rate = ShippingRate(pk=self.instance.pk, **{k: v for k, v in cleaned_data.items() if v is not None})
        for field, message in shipping_rate_errors(rate).items():
            if field in cleaned_data:
                self.add_error(field, message)
        return cleaned_data


@admin.register(ShippingRate)
class ShippingRateAdmin(admin.ModelAdmin):
    form = ShippingRateAdminForm
    list_display = [
        "courier",
        "destination",
        "cooperative",
        "first_kg",
        "next_kg",
        "days_min",
        "days_max",
        "is_active",
    ]
    list_filter = ["is_active", "cooperative"]
    search_fields = ["courier", "destination"]

    def has_delete_permission(self, request, obj=None):
        return False  # orders keep the rate they were sold with

    def save_model(self, request, obj, form, change):
        save_shipping_rate(rate=obj)
