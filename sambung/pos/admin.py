"""Django admin for the superuser: stall sales to read only (they are written by pos.sales alone)."""

from django.contrib import admin

from sambung.inventory.admin import ReadOnlyAdmin
from sambung.pos.models import StallSale, StallSaleLine


class LineInline(admin.TabularInline):
    model = StallSaleLine
    fields = ["title", "quantity", "unit_price", "location", "move"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StallSale)
class StallSaleAdmin(ReadOnlyAdmin):
    list_display = ["code", "sold_at", "channel", "payment_method", "total", "sold_by"]
    list_filter = ["payment_method", "channel"]
    date_hierarchy = "sold_at"
    inlines = [LineInline]
