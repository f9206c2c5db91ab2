"""The quality back office, under /kelola/<cooperative>/mutu/."""

from django.urls import path

from sambung.quality import views

app_name = "quality"
urlpatterns = [
    path("<slug:slug>/mutu/", views.queue, name="queue"),
    path("<slug:slug>/mutu/standar/", views.standard_list, name="standard_list"),
    path("<slug:slug>/mutu/standar/bawaan/", views.standard_add_default, name="standard_add_default"),
    path("<slug:slug>/mutu/standar/<uuid:standard_id>/", views.standard_detail, name="standard_detail"),
    path(
        "<slug:slug>/mutu/standar/<uuid:standard_id>/kriteria/baru/<slug:kind>/",
        views.criterion_create,
        name="criterion_create",
    ),
    path(
        "<slug:slug>/mutu/standar/<uuid:standard_id>/kriteria/<slug:key>/",
        views.criterion_edit,
        name="criterion_edit",
    ),
    path(
        "<slug:slug>/mutu/standar/<uuid:standard_id>/kriteria/<slug:key>/hapus/",
        views.criterion_delete,
        name="criterion_delete",
    ),
    path("<slug:slug>/mutu/periksa/karya/<uuid:piece_id>/", views.inspect_piece, name="inspect_piece"),
    path(
        "<slug:slug>/mutu/periksa/stok/<uuid:sku_id>/<uuid:location_id>/",
        views.inspect_batch,
        name="inspect_batch",
    ),
    path(
        "<slug:slug>/mutu/pemeriksaan/<uuid:inspection_id>/",
        views.inspection_detail,
        name="inspection_detail",
    ),
    path("<slug:slug>/mutu/karya/<uuid:piece_id>/", views.piece_quality, name="piece_quality"),
    path("<slug:slug>/mutu/karya/<uuid:piece_id>/hapus-buku/", views.write_off_piece, name="write_off_piece"),
    path("<slug:slug>/mutu/karya/<uuid:piece_id>/kembalikan/", views.return_piece, name="return_piece"),
    path("<slug:slug>/mutu/karya/<uuid:piece_id>/terima-kembali/", views.receive_piece, name="receive_piece"),
    path(
        "<slug:slug>/mutu/stok/<uuid:sku_id>/<uuid:location_id>/hapus-buku/",
        views.write_off_batch,
        name="write_off_batch",
    ),
    path("<slug:slug>/mutu/pengrajin/", views.maker_records, name="maker_records"),
    path("<slug:slug>/mutu/pengrajin/<uuid:maker_id>/", views.maker_record, name="maker_record"),
    path("<slug:slug>/mutu/label/", views.hang_tags, name="hang_tags"),
    path("<slug:slug>/mutu/label.pdf", views.hang_tags_file, name="hang_tags_file"),
]
