"""Reviews and complaints: the buyer's forms under /pesanan/<code>/, the back office under /kelola/<cooperative>/."""

from django.urls import path

from sambung.feedback import views

app_name = "feedback"
urlpatterns = [
    path("pesanan/<str:code>/ulasan/<int:line_id>/", views.review_line, name="review_line"),
    path("pesanan/<str:code>/keluhan/<int:line_id>/", views.complain_line, name="complain_line"),
    path("kelola/<slug:slug>/ulasan/", views.review_list, name="review_list"),
    path("kelola/<slug:slug>/ulasan/<uuid:review_id>/", views.review_moderate, name="review_moderate"),
    path("kelola/<slug:slug>/keluhan/", views.complaint_list, name="complaint_list"),
    path("kelola/<slug:slug>/keluhan/<uuid:complaint_id>/", views.complaint_detail, name="complaint_detail"),
    path(
        "kelola/<slug:slug>/keluhan/<uuid:complaint_id>/pesan/",
        views.complaint_message,
        name="complaint_message",
    ),
    path(
        "kelola/<slug:slug>/keluhan/<uuid:complaint_id>/selesaikan/",
        views.complaint_resolve,
        name="complaint_resolve",
    ),
    path("kelola/<slug:slug>/mutu-listing/", views.listing_quality, name="listing_quality"),
]
