"""Staff screens of chatbot."""

from django.urls import URLPattern, URLResolver

app_name = "chatbot"

urlpatterns: list[URLPattern | URLResolver] = []
