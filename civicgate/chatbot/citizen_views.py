"""The web chat page: the widget, opened full size."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def chat(request: HttpRequest) -> HttpResponse:
    return render(request, "chatbot/chat.html")
