"""Citizen pages of services."""

from django.urls import URLPattern, URLResolver, path

from civicgate.services import citizen_views

app_name = "citizen_services"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", citizen_views.index, name="index"),
    path("new/<slug:slug>/", citizen_views.new_request, name="new"),
    path("mine/", citizen_views.mine, name="mine"),
    path("r/<str:number>/", citizen_views.request_page, name="request"),
    path("r/<str:number>/rate/", citizen_views.rate, name="rate"),
    path("r/<str:number>/photo/<str:code>/", citizen_views.photo, name="photo"),
    path("track/", citizen_views.track, name="track"),
    path("property-tax/", citizen_views.dues, name="dues"),
    path("building-plan/", citizen_views.plan, name="plan"),
    path("advertisement-permission/", citizen_views.permission, name="permission"),
]
