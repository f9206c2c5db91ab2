"""The public provenance page of a piece, at /karya/<piece code>/: what its hang tag's QR code opens."""

from django.urls import path

from sambung.quality import views

app_name = "quality_public"
urlpatterns = [
    # A code is whatever the cooperative wrote on the label; <path:…> keeps one with a slash reachable.
    path("<path:code>/", views.provenance, name="piece"),
]
