from django.urls import path

from sambung.catalog import views

app_name = "office"
urlpatterns = [
    path("", views.home, name="home"),
]
