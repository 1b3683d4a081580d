"""Staff screens of appointments."""

from django.urls import URLPattern, URLResolver

app_name = "appointments"

urlpatterns: list[URLPattern | URLResolver] = []
