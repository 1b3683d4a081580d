"""Citizen pages of appointments."""

from django.urls import URLPattern, URLResolver, path

from civicgate.appointments import citizen_views as views

app_name = "citizen_appointments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mine, name="mine"),
    path("book/", views.book, name="book"),
    path("book/<str:official>/", views.slots, name="slots"),
    path("book/<str:official>/<str:start>/", views.confirm, name="confirm"),
    path("a/<str:code>/", views.detail, name="detail"),
    path("a/<str:code>/reschedule/", views.reschedule, name="reschedule"),
    path("a/<str:code>/cancel/", views.cancel, name="cancel"),
    path("a/<str:code>/rate/", views.rate, name="rate"),
    path("a/<str:code>/calendar.ics", views.ics, name="ics"),
]
