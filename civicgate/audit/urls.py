from django.urls import path, re_path

from civicgate.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.search, name="search"),
    re_path(r"^(?P<hash>[0-9a-f]{64})/$", views.detail, name="detail"),
]
