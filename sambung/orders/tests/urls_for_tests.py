"""The project's URLs plus the orders back office, until config/urls.py includes it under kelola/."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns


def _includes_orders_office(patterns) -> bool:
    for pattern in patterns:
        if getattr(pattern, "namespace", None) == "orders_office":
            return True
        if _includes_orders_office(getattr(pattern, "url_patterns", [])):
            return True
    return False


urlpatterns = list(project_urlpatterns)
if not _includes_orders_office(urlpatterns):
    urlpatterns += i18n_patterns(
        path("kelola/", include("sambung.orders.urls")), prefix_default_language=False
    )
