"""Django admin for the superuser: plain lists and forms; saves go through the catalogue's writers."""

from django.contrib import admin

from sambung.catalog.makers import save_maker
from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker, Node, Photo, Piece, Product
from sambung.catalog.photos import delete_photo
from sambung.catalog.pieces import save_piece
from sambung.catalog.products import save_product, save_sku


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "regency_code", "village_code"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "cooperative"]
    list_filter = ["kind"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "cooperative", "node", "village_code"]
    list_filter = ["kind", "cooperative"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_id", "name_en", "slug", "position"]
    prepopulated_fields = {"slug": ["name_id"]}


@admin.register(Maker)
class MakerAdmin(admin.ModelAdmin):
    list_display = ["name", "cooperative", "village_code", "shows_name", "is_active"]
    list_filter = ["cooperative", "is_active"]
    search_fields = ["name", "phone"]

    def save_model(self, request, obj, form, change):
        save_maker(maker=obj)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title_id", "cooperative", "category", "village_code", "is_published"]
    list_filter = ["cooperative", "category", "is_published"]
    search_fields = ["title_id", "title_en", "slug"]
    prepopulated_fields = {"slug": ["title_id"]}

    def save_model(self, request, obj, form, change):
        save_product(product=obj)


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    list_display = ["code", "product", "name_id", "price", "is_unique", "is_active"]
    list_filter = ["is_active", "is_unique"]
    search_fields = ["code", "product__title_id"]
    raw_id_fields = ["product"]

    def save_model(self, request, obj, form, change):
        save_sku(sku=obj)


@admin.register(Piece)
class PieceAdmin(admin.ModelAdmin):
    list_display = ["code", "sku", "maker", "started_on", "finished_on"]
    search_fields = ["code", "maker__name"]
    raw_id_fields = ["sku", "maker"]

    def save_model(self, request, obj, form, change):
        save_piece(piece=obj, user=request.user)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """Photos are uploaded in the back office, which writes their renditions; here they are seen or deleted."""

    list_display = ["__str__", "product", "piece", "position", "has_files", "created_at"]
    # The hash names the file between nodes, and has_files says whether it arrived: sync writes both.
    readonly_fields = ["product", "piece", "original", "thumb", "detail", "sha256", "has_files"]
    exclude = ["thumb_width", "thumb_height", "detail_width", "detail_height"]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        delete_photo(photo=obj)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            delete_photo(photo=photo)
