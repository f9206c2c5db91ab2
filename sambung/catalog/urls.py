from django.urls import path

from sambung.catalog import views

app_name = "office"
urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/pengrajin/", views.maker_list, name="maker_list"),
    path("<slug:slug>/pengrajin/baru/", views.maker_create, name="maker_create"),
    path("<slug:slug>/pengrajin/<uuid:maker_id>/", views.maker_detail, name="maker_detail"),
    path("<slug:slug>/pengrajin/<uuid:maker_id>/ubah/", views.maker_edit, name="maker_edit"),
    path("<slug:slug>/produk/", views.product_list, name="product_list"),
    path("<slug:slug>/produk/baru/", views.product_create, name="product_create"),
    path("<slug:slug>/produk/<uuid:product_id>/", views.product_detail, name="product_detail"),
    path("<slug:slug>/produk/<uuid:product_id>/ubah/", views.product_edit, name="product_edit"),
    path("<slug:slug>/produk/<uuid:product_id>/sku/baru/", views.sku_create, name="sku_create"),
    path("<slug:slug>/produk/<uuid:product_id>/sku/<uuid:sku_id>/", views.sku_edit, name="sku_edit"),
    path("<slug:slug>/produk/<uuid:product_id>/foto/", views.product_photos, name="product_photos"),
    path(
        "<slug:slug>/produk/<uuid:product_id>/foto/<uuid:photo_id>/hapus/",
        views.product_photo_delete,
        name="product_photo_delete",
    ),
    path("<slug:slug>/karya/", views.piece_list, name="piece_list"),
    path("<slug:slug>/karya/baru/", views.piece_create, name="piece_create"),
    path("<slug:slug>/karya/<uuid:piece_id>/", views.piece_detail, name="piece_detail"),
    path("<slug:slug>/karya/<uuid:piece_id>/ubah/", views.piece_edit, name="piece_edit"),
    path("<slug:slug>/karya/<uuid:piece_id>/foto/", views.piece_photos, name="piece_photos"),
    path(
        "<slug:slug>/karya/<uuid:piece_id>/foto/<uuid:photo_id>/hapus/",
        views.piece_photo_delete,
        name="piece_photo_delete",
    ),
]
