from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from sambung.api.api import api
from sambung.storefront.views import serve_media
from sambung.sync.urls import transport_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    *transport_urlpatterns,  # hub sync: signed frames, no session, no language prefix
]
if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(r"^media/(?P<path>photos/(?:thumb|detail)/[\w.-]+)$", serve_media, name="media")
    )

urlpatterns += i18n_patterns(
    path("", include("sambung.storefront.urls")),
    path("akun/", include("sambung.accounts.urls")),
    path("kelola/", include("sambung.catalog.urls")),
    path("kelola/", include("sambung.orders.urls")),
    path("", include("sambung.feedback.urls")),
    path("", include("sambung.production.urls")),
    path("kelola/", include("sambung.quality.urls")),
    path("karya/", include("sambung.quality.public_urls")),
    path("kelola/", include("sambung.sync.urls")),
    prefix_default_language=False,
)
