from django.urls import path

from civicgate.devices import views

app_name = "devices"

urlpatterns = [
    path("", views.device_list, name="list"),
    path("new/", views.device_create, name="create"),
    path("<str:code>/", views.device_detail, name="detail"),
    path("<str:code>/rotate/", views.device_rotate, name="rotate"),
    path("<str:code>/revoke/", views.device_revoke, name="revoke"),
]
