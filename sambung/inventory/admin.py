"""Django admin for the superuser: the stock ledger, to read only (it changes through inventory's writers)."""

from django.contrib import admin

from sambung.inventory.models import StockLevel, StockMove


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reason", "sku", "piece", "location", "quantity"]
    list_filter = ["reason"]
    search_fields = ["reference", "sku__code", "piece__code"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "sku", "location"]
