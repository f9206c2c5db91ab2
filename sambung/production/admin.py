"""Django admin for the superuser: production rows to look at. Changes go through the back office's writers."""

from django.contrib import admin

from sambung.production.models import (
    Capacity,
    OutboundMessage,
    Payout,
    Stage,
    Unavailability,
    WaitlistEntry,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStage,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StageInline(admin.TabularInline):
    model = WorkOrderStage
    extra = 0
    can_delete = False
    readonly_fields = ["position", "name_id", "name_en", "expected_on"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EventInline(StageInline):
    model = WorkOrderEvent
    readonly_fields = ["kind", "stage", "happened_on", "note", "actor", "created_at"]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["code", "maker", "sku", "quantity", "status", "starts_on", "due_on", "completed_on"]
    list_filter = ["status", "cooperative"]
    search_fields = ["code", "maker__name"]
    inlines = [StageInline, EventInline]


@admin.register(Capacity)
class CapacityAdmin(ReadOnlyAdmin):
    list_display = ["maker", "category", "pieces", "days", "rate_per_piece"]


@admin.register(Unavailability)
class UnavailabilityAdmin(ReadOnlyAdmin):
    list_display = ["maker", "starts_on", "ends_on", "reason"]


@admin.register(Stage)
class StageAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "category", "position", "name_id", "name_en", "share"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["maker", "amount", "paid_on", "recorded_by"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["product", "contact_kind", "created_at", "notified_at"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["channel", "recipient", "created_at", "sent_at"]
