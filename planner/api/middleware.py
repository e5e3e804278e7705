"""Requests the API refuses before any view reads them, and the change log's request context."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from rest_framework import status

from planner.api.constants import API_PATH_PREFIX, REQUEST_ID_HEADER
from planner.changelog import new_request_id, recording_changes
from planner.choices import ChangeSourceChoices

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CHUNKED = "chunked"


class ChunkedBodyMiddleware:
    """Django reads a request body by its Content-Length alone: one sent chunked, without a
    length, reads as empty, and a create would be refused for fields it does hold. Under
    the API such a request is answered 411 Length Required instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path.startswith(API_PATH_PREFIX)
            and request.method in BODY_METHODS
            and not request.META.get("CONTENT_LENGTH")
            and CHUNKED in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        ):
            return JsonResponse(
                {"detail": "Send the request body with a Content-Length header, not chunked."},
                status=status.HTTP_411_LENGTH_REQUIRED,
            )
        return self.get_response(request)


class ChangeRequestMiddleware:
    """The changes one request makes share a new request id (sent back in X-Request-ID) and
    are recorded as made through the API, the admin or the browser UI by the request's user
    (and API token). Both are read when a change is recorded: DRF authenticates a token in
    the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id()
        # DRF sets request.auth (the API token) on the request it wraps, in the view.
        with recording_changes(
            self.source(request),
            actor=lambda: request.user,
            credential=lambda: getattr(request, "auth", None),
            request_id=request_id,
        ):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    @staticmethod
    def source(request: HttpRequest) -> str:
        if request.path.startswith(API_PATH_PREFIX):
            return ChangeSourceChoices.API
        if request.path.startswith(reverse("admin:index")):
            return ChangeSourceChoices.ADMIN
        return ChangeSourceChoices.UI
