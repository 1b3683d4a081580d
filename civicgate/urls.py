from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from civicgate.api import api
from civicgate.core import views as core_views

admin.site.site_header = "CivicGate KMC"
admin.site.site_title = "CivicGate"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("civicgate.accounts.urls")),
    path("org/", include("civicgate.org.urls")),
    path("devices/", include("civicgate.devices.urls")),
    path("audit/", include("civicgate.audit.urls")),
    path("notify/", include("civicgate.notify.urls")),
    path("citizen/", include("civicgate.accounts.citizen_urls")),
    path("passes/", include("civicgate.passes.urls")),
    path("appointments/", include("civicgate.appointments.urls")),
    path("citizen/appointments/", include("civicgate.appointments.citizen_urls")),
    path("services/", include("civicgate.services.urls")),
    path("citizen/services/", include("civicgate.services.citizen_urls")),
    path("chatbot/", include("civicgate.chatbot.urls")),
    path("citizen/chat/", include("civicgate.chatbot.citizen_urls")),
    path("", core_views.root, name="root"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
