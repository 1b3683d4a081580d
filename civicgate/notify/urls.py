from django.urls import path

from civicgate.notify import views, webhooks

app_name = "notify"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<str:code>/retry/", views.retry, name="retry"),
    path("whatsapp/webhook/", webhooks.whatsapp_webhook, name="whatsapp_webhook"),
    path("sms/delivery-report/", webhooks.sms_delivery_report, name="sms_delivery_report"),
]
