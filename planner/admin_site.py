"""The admin site, whose sign-in counts attempts per client address against the same limit
as the token endpoint (`HYBRIDPLAN_TOKEN_RATE`): a password cannot be guessed at speed by
going through the other door."""

from types import SimpleNamespace

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from planner.throttling import TOKEN_THROTTLE_SCOPE, AttemptCounterUnavailable, TokenRateThrottle

HTTP_TOO_MANY_REQUESTS = 429
# What TokenRateThrottle reads of the view it guards.
SIGN_IN_VIEW = SimpleNamespace(throttle_scope=TOKEN_THROTTLE_SCOPE)


def _refused(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def sign_in_refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer to a sign-in attempt over the limit (429), or when attempts cannot be
    counted (503); None when the attempt may go on. Every sign-in form calls it on POST."""
    throttle = TokenRateThrottle()
    try:
        allowed = throttle.allow_request(request, SIGN_IN_VIEW)
    except AttemptCounterUnavailable as error:
        return _refused(error.status_code, str(error.detail))
    if allowed:
        return None
    response = _refused(HTTP_TOO_MANY_REQUESTS, "Too many sign-in attempts from this address.")
    response["Retry-After"] = str(int(throttle.wait()))
    return response


class PlannerAdminSite(admin.AdminSite):
    """Django's admin site, named for the app, with sign-in attempts counted."""

    site_header = "Hybridplan"
    site_title = "Hybridplan"

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.method == "POST":
            refusal = sign_in_refusal(request)
            if refusal is not None:
                return refusal
        return super().login(request, extra_context)
