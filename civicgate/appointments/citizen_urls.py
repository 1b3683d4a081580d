"""Citizen pages of appointments."""

from django.urls import URLPattern, URLResolver

app_name = "citizen_appointments"

urlpatterns: list[URLPattern | URLResolver] = []
