"""Staff screens of chatbot."""

from django.urls import URLPattern, URLResolver, path

from civicgate.chatbot import views

app_name = "chatbot"

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", views.inbox, name="inbox"),
    path("analytics/", views.analytics, name="analytics"),
    path("c/<str:code>/", views.thread, name="thread"),
    path("c/<str:code>/reply/", views.reply, name="reply"),
    path("c/<str:code>/hand-back/", views.hand_back, name="hand_back"),
    path("c/<str:code>/take-over/", views.take_over, name="take_over"),
]
