from django.urls import URLPattern, URLResolver, path, re_path

from civicgate.passes import citizen_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("request/", citizen_views.request_pass, name="request"),
    path("mine/", citizen_views.my_passes, name="my_passes"),
    path("p/<str:code>/", citizen_views.pass_page, name="pass"),
    re_path(
        r"^p/(?P<code>[0-9A-Za-z]+)/qr\.(?P<fmt>png|svg)$", citizen_views.pass_qr, name="pass_qr"
    ),
    path("p/<str:code>/slip.pdf", citizen_views.pass_slip, name="pass_slip"),
    path("approvals/", citizen_views.approval_list, name="approvals"),
    path("approvals/<str:code>/approve/", citizen_views.approve, name="approve"),
    path("approvals/<str:code>/reject/", citizen_views.reject, name="reject"),
]
