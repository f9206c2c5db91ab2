"""The orders back office, under /kelola/<cooperative>/pesanan/ and /kelola/<cooperative>/pengaturan/."""

from django.urls import path

from sambung.orders import views

app_name = "orders_office"
urlpatterns = [
    path("<slug:slug>/pesanan/", views.order_list, name="order_list"),
    path("<slug:slug>/pesanan/<slug:code>/", views.order_detail, name="order_detail"),
    path("<slug:slug>/pesanan/<slug:code>/bayar/", views.confirm_payment, name="confirm_payment"),
    path("<slug:slug>/pesanan/<slug:code>/kemas/", views.start_packing, name="start_packing"),
    path("<slug:slug>/pesanan/<slug:code>/kirim/", views.ship_order, name="ship_order"),
    path("<slug:slug>/pesanan/<slug:code>/diterima/", views.record_delivery, name="record_delivery"),
    path("<slug:slug>/pesanan/<slug:code>/retur/", views.record_return, name="record_return"),
    path("<slug:slug>/pesanan/<slug:code>/batal/", views.cancel_order, name="cancel_order"),
    path("<slug:slug>/pesanan/<slug:code>/serahkan/", views.hand_over, name="hand_over"),
    path(
        "<slug:slug>/pesanan/<slug:code>/terima-gudang/",
        views.receive_at_warehouse,
        name="receive_at_warehouse",
    ),
    path("<slug:slug>/pesanan/<slug:code>/slip.pdf", views.packing_slip, name="packing_slip"),
    path("<slug:slug>/pesanan/<slug:code>/faktur.pdf", views.invoice, name="invoice"),
    path("<slug:slug>/pengaturan/pembayaran/", views.payment_settings, name="payment_settings"),
    path("<slug:slug>/pengaturan/ongkir/", views.shipping_rate_list, name="shipping_rate_list"),
    path("<slug:slug>/pengaturan/ongkir/baru/", views.shipping_rate_create, name="shipping_rate_create"),
    path(
        "<slug:slug>/pengaturan/ongkir/<uuid:rate_id>/", views.shipping_rate_edit, name="shipping_rate_edit"
    ),
    path(
        "<slug:slug>/pengaturan/ongkir/<uuid:rate_id>/nonaktifkan/",
        views.shipping_rate_deactivate,
        name="shipping_rate_deactivate",
    ),
]
