"""Staff screens of appointments."""

from django.urls import URLPattern, URLResolver, path

from civicgate.appointments import views

app_name = "appointments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("day/<str:official>/", views.day, name="day"),
    path("settings/<str:official>/", views.availability, name="availability"),
    path("settings/<str:official>/leave/", views.add_leave, name="add_leave"),
    path(
        "settings/<str:official>/leave/<str:code>/remove/", views.remove_leave, name="remove_leave"
    ),
    path("settings/<str:official>/feed/", views.renew_feed, name="renew_feed"),
    path("a/<str:code>/confirm/", views.confirm, name="confirm"),
    path("a/<str:code>/decline/", views.decline, name="decline"),
    path("a/<str:code>/cancel/", views.cancel, name="cancel"),
    path("a/<str:code>/<str:outcome>/", views.mark, name="mark"),
    path("holidays/", views.holidays, name="holidays"),
    path("reports/", views.reports, name="reports"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
