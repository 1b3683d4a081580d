from django.http import HttpRequest, HttpResponse


def start(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


verify = signout = start
