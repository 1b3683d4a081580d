from django.urls import URLPattern, URLResolver, path

from civicgate.passes import console_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", console_views.choose, name="console"),
    path("<str:gate>/", console_views.console, name="console_gate"),
    path("<str:gate>/bootstrap", console_views.bootstrap, name="console_bootstrap"),
    path("<str:gate>/scan", console_views.scan, name="console_scan"),
    path("<str:gate>/upload", console_views.upload, name="console_upload"),
    path("<str:gate>/override", console_views.override, name="console_override"),
]
