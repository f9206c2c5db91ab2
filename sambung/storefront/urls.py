from django.urls import path

from sambung.storefront import checkout_views, views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("produk/", views.product_list, name="product_list"),
    path("produk/<slug:slug>/", views.product_detail, name="product_detail"),
    path("koperasi/<slug:slug>/", views.cooperative_detail, name="cooperative_detail"),
    path("pengrajin/<uuid:maker_id>/", views.maker_detail, name="maker_detail"),
    path("keranjang/", checkout_views.cart, name="cart"),
    path("keranjang/tambah/", checkout_views.add_to_cart, name="add_to_cart"),
    path("keranjang/hapus/", checkout_views.remove_from_cart, name="remove_from_cart"),
    path("keranjang/bayar/", checkout_views.begin_checkout, name="begin_checkout"),
    path("checkout/<uuid:checkout_id>/", checkout_views.checkout, name="checkout"),
    path("pesanan/", checkout_views.order_lookup, name="order_lookup"),
    path("pesanan/<str:code>/", checkout_views.order, name="order"),
]
