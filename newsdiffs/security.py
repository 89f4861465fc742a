"""The Content-Security-Policy header: one strict policy for every response, loosened only by path.

django-csp's decorators loosen the policy of one view; the admin is a whole URL tree of Django's views, and
the API docs are drf-spectacular's, so the few additions live in settings.CSP_PATH_UPDATES by URL prefix,
next to the policy they loosen, and this middleware applies them.
"""

from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def path_updates(path: str) -> dict[str, Any] | None:
    """What the policy gains at ``path``: the entry of its longest matching prefix, if any."""
    matches = [prefix for prefix in settings.CSP_PATH_UPDATES if path.startswith(prefix)]
    return settings.CSP_PATH_UPDATES[max(matches, key=len)] if matches else None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        # A view's own @csp_update wins over the path's, as a view knows best what it needs.
        if not report_only and parts.update is None:
            parts.update = path_updates(request.path_info)
        return parts
