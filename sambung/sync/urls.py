from django.urls import path

from sambung.sync import endpoints, file_endpoints, views

app_name = "sync"
urlpatterns = [
    path("<slug:slug>/hub/", views.hub_list, name="hub_list"),
    path("<slug:slug>/hub/<uuid:node_id>/kode/", views.hub_code, name="hub_code"),
    path("<slug:slug>/hub/<uuid:node_id>/cabut/", views.hub_revoke, name="hub_revoke"),
    path("<slug:slug>/sinkron/", views.hub_sync, name="hub_sync"),
    path("<slug:slug>/sinkron/ekspor/", views.hub_export, name="hub_export"),
    path("<slug:slug>/sinkron/impor/", views.hub_import, name="hub_import"),
]

transport_urlpatterns = [
    path("sync/v1/enrol", endpoints.enrol_view, name="sync_enrol"),
    path("sync/v1/push", endpoints.push_view, name="sync_push"),
    path("sync/v1/pull", endpoints.pull_view, name="sync_pull"),
    path("sync/v1/files/wants", file_endpoints.wants_view, name="sync_files_wants"),
    path("sync/v1/files/put", file_endpoints.put_view, name="sync_files_put"),
    path("sync/v1/files/get", file_endpoints.get_view, name="sync_files_get"),
]
