"""Security screens, under /passes/security/ (names in the "passes" namespace)."""

from django.urls import URLPattern, URLResolver, path

from civicgate.passes import security_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("inside/", views.inside, name="inside"),
    path("evacuation/", views.evacuation, name="evacuation"),
    path("watchlist/", views.watchlist_list, name="watchlist"),
    path("watchlist/add/", views.watchlist_add, name="watchlist_add"),
    path("watchlist/<str:code>/", views.watchlist_edit, name="watchlist_edit"),
    path("watchlist/<str:code>/active/", views.watchlist_active, name="watchlist_active"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/badge/", views.alerts_badge, name="alerts_badge"),
    path("alerts/<str:code>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("touts/", views.tout_list, name="touts"),
    path("touts/<str:code>/", views.tout_review, name="tout_review"),
    path("touts/<str:code>/dismiss/", views.tout_dismiss, name="tout_dismiss"),
    path("touts/<str:code>/watchlist/", views.tout_watchlist, name="tout_watchlist"),
    path("visitors/<str:code>/", views.visitor_detail, name="visitor"),
    path("visitors/<str:code>/mobile/", views.visitor_mobile, name="visitor_mobile"),
    path("visitors/<str:code>/photo", views.visitor_photo, name="visitor_photo"),
    path("passes/<str:code>/revoke/", views.pass_revoke, name="pass_revoke"),
]
