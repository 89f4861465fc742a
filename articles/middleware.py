import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

logger = logging.getLogger(__name__)


def without_nul(text: str) -> str:
    """Postgres text holds no NUL, and one sent to it in a query is an error (a 500): it stands as U+FFFD,
    which no stored text contains either."""
    return text.replace("\x00", "\ufffd")


class NulInQueryMiddleware:
    """A NUL anywhere in the query string becomes U+FFFD before any view reads it, so that no filter
    reaches the database with one: the admin's list filters and autocomplete ("?status__exact=%00",
    "?term=%00") were 500s on Postgres, as the site's searches were before text_param."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            query = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                query.setlist(without_nul(key), [without_nul(v) for v in values])
            query._mutable = False
            request.GET = cast("_ImmutableQueryDict", query)
        return self.get_response(request)


class Gone(Exception):
    """An article an admin removed: its pages answer 410, not 404."""


class GoneMiddleware:
    """Turns ``Gone`` into the 410 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
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

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
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
