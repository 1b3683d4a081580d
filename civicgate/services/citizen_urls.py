"""Citizen pages of services."""

from django.urls import URLPattern, URLResolver

app_name = "citizen_services"

urlpatterns: list[URLPattern | URLResolver] = []
