"""Production pages under /kelola/<cooperative>/produksi/ and /kelola/<cooperative>/pengrajin/<id>/…, and the
storefront's waitlist form under /produk/<slug>/kabari-saya/."""

from django.urls import path

from sambung.production import views

app_name = "production"
office = "kelola/<slug:slug>/"
work_order = office + "produksi/<uuid:work_order_id>/"
maker = office + "pengrajin/<uuid:maker_id>/"
urlpatterns = [
    path(office + "produksi/", views.work_order_list, name="work_order_list"),
    path(office + "produksi/baru/", views.pledge_create, name="pledge_create"),
    path(office + "produksi/rencana/", views.plan, name="plan"),
    path(office + "produksi/rencana/terima/", views.plan_accept, name="plan_accept"),
    path(office + "produksi/kontinuitas/", views.continuity, name="continuity"),
    path(office + "produksi/tahapan/<uuid:category_id>/", views.stages, name="stages"),
    path(office + "produksi/pesan/", views.outbound_messages, name="outbound_messages"),
    path(office + "produksi/pesan/<uuid:message_id>/terkirim/", views.message_sent, name="message_sent"),
    path(work_order, views.work_order_detail, name="work_order_detail"),
    path(work_order + "tahap/", views.stage_record, name="stage_record"),
    path(work_order + "selesai/", views.work_order_complete, name="work_order_complete"),
    path(work_order + "batal/", views.work_order_cancel, name="work_order_cancel"),
    path(maker + "kapasitas/", views.maker_production, name="maker_production"),
    path(maker + "kapasitas/simpan/", views.capacity_set, name="capacity_set"),
    path(maker + "kapasitas/<int:capacity_id>/hapus/", views.capacity_remove, name="capacity_remove"),
    path(maker + "libur/", views.unavailability_add, name="unavailability_add"),
    path(maker + "libur/<int:period_id>/hapus/", views.unavailability_remove, name="unavailability_remove"),
    path(maker + "buku/", views.ledger, name="ledger"),
    path(maker + "buku/bayar/", views.payout_create, name="payout_create"),
    path("produk/<slug:slug>/kabari-saya/", views.waitlist_join, name="waitlist_join"),
]
