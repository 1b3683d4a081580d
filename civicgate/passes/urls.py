from django.urls import include, path

app_name = "passes"

urlpatterns = [
    path("console/", include("civicgate.passes.console_urls")),
    path("", include("civicgate.passes.citizen_urls")),
    path("security/", include("civicgate.passes.security_urls")),
]
