from django.urls import path

from civicgate.accounts import citizen_views

app_name = "citizen"

urlpatterns = [
    path("", citizen_views.start, name="start"),
    path("verify/", citizen_views.verify, name="verify"),
    path("signout/", citizen_views.signout, name="signout"),
    path("home/", citizen_views.home, name="home"),
]
