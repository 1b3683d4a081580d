"""Staff screens of services."""

from django.urls import URLPattern, URLResolver, path

from civicgate.services import record_views, views

app_name = "services"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("escalations/", views.escalations, name="escalations"),
    path("import/", record_views.import_records, name="import"),
    path("records/", record_views.records, name="records"),
    path("r/<str:number>/", views.request_detail, name="request"),
    path("r/<str:number>/assign/", views.assign, name="assign"),
    path("r/<str:number>/mobile/", views.reveal_mobile, name="reveal_mobile"),
    path("r/<str:number>/start/", views.start, name="start"),
    path("r/<str:number>/note/", views.note, name="note"),
    path("r/<str:number>/resolve/", views.resolve, name="resolve"),
    path("r/<str:number>/close/", views.close, name="close"),
    path("r/<str:number>/photo/<str:code>/", views.photo, name="photo"),
]
