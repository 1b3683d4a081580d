"""Citizen pages of chatbot: the web chat."""

from django.urls import URLPattern, URLResolver, path

from civicgate.chatbot import citizen_views

app_name = "citizen_chatbot"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", citizen_views.chat, name="chat"),
]
