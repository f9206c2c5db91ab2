"""The market stall and selling rights, under /kelola/<cooperative>/pasar/ and /kelola/<cooperative>/hak-jual/."""

from django.urls import path

from sambung.pos import views

app_name = "pos"
urlpatterns = [
    path("<slug:slug>/pasar/", views.stall, name="stall"),
    path("<slug:slug>/pasar/periksa/", views.stall_review, name="stall_review"),
    path("<slug:slug>/pasar/catat/", views.stall_record, name="stall_record"),
    path("<slug:slug>/pasar/penjualan/", views.sales, name="sales"),
    path("<slug:slug>/pasar/nota/<uuid:sale_id>/", views.receipt, name="receipt"),
    path("<slug:slug>/pasar/nota/<uuid:sale_id>/nota.pdf", views.receipt_document, name="receipt_pdf"),
    path("<slug:slug>/hak-jual/", views.rights, name="rights"),
    path("<slug:slug>/hak-jual/pindah/", views.rights_move, name="rights_move"),
    path("<slug:slug>/hak-jual/lapak-baru/", views.stall_open, name="stall_open"),
]
