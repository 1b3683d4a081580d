from django.urls import path

app_name = "devices"

urlpatterns: list = []
