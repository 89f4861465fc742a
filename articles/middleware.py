import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


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


class DatabaseUnavailableMiddleware:
    """The database is restarting or unreachable: answer 503 with Retry-After, not a 500.

    A restart takes seconds and Django reconnects by itself (CONN_HEALTH_CHECKS), so this is "come back
    shortly", for readers and for feed readers and monitors, which retry a 503 rather than report a bug.
    API clients get the API's error shape.
    """

    RETRY_AFTER = 10

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s: %s", request.path, exception)
        message = "The database is unavailable for a moment; please try again shortly."
        if request.path.startswith("/api/"):
            error = {"status": 503, "code": "unavailable", "message": message}
            response: HttpResponse = JsonResponse({"error": error}, status=503)
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER)
        return response
