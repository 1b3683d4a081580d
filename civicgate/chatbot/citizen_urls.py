"""Citizen pages of chatbot."""

from django.urls import URLPattern, URLResolver

app_name = "citizen_chatbot"

urlpatterns: list[URLPattern | URLResolver] = []
