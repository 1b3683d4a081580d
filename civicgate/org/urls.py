from django.urls import path

from civicgate.org import import_views, views

app_name = "org"

urlpatterns = [
    path("offices/", views.offices, name="offices"),
    path("employees/", views.employees, name="employees"),
    path("employees/import/", import_views.import_employees, name="import"),
    path("employees/<str:code>/", views.employee_detail, name="employee"),
    path("employees/<str:code>/mobile/", views.employee_mobile, name="employee_mobile"),
    path("officials/", views.officials, name="officials"),
    path("my-gates/", views.my_gates, name="my_gates"),
    path("my-team/", views.my_team, name="my_team"),
]
