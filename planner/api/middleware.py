"""Requests the API refuses before any view reads them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import status

from planner.api.constants import API_PATH_PREFIX

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
