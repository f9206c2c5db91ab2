"""The site's URLs plus the API, for the API's tests until config/urls.py mounts it."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from sambung.api.api import api

urlpatterns = [*site_urlpatterns, path("api/", api.urls)]
