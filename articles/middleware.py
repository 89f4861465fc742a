from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class Gone(Exception):
    """An article an admin removed: its pages answer 410, not 404."""


class GoneMiddleware:
    """Turns ``Gone`` into the 410 page."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Gone):
            return render(request, "410.html", status=410)
        return None
