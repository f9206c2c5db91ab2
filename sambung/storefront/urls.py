from django.urls import path

from sambung.storefront import views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("produk/", views.product_list, name="product_list"),
    path("produk/<slug:slug>/", views.product_detail, name="product_detail"),
    path("koperasi/<slug:slug>/", views.cooperative_detail, name="cooperative_detail"),
    path("pengrajin/<uuid:maker_id>/", views.maker_detail, name="maker_detail"),
]
