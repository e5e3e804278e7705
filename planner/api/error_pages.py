"""Django's error handlers (handler400, handler500) for requests that fail outside a DRF
view, in a middleware or before a view is reached: under the API's path they answer JSON as
the API does, elsewhere Django's own pages."""

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status

from planner.api.constants import API_PATH_PREFIX
from planner.api.exceptions import DatabaseUnavailable, RequestBodyTooLarge


def _answer(error: exceptions.APIException) -> JsonResponse:
    response = JsonResponse({"detail": str(error.detail)}, status=error.status_code)
    wait = getattr(error, "wait", None)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not request.path.startswith(API_PATH_PREFIX):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _answer(RequestBodyTooLarge())
    return _answer(exceptions.ParseError("Bad request."))


def server_error(request: HttpRequest) -> HttpResponse:
    if not request.path.startswith(API_PATH_PREFIX):
        return defaults.server_error(request)
    # Django calls the handler while handling the error, so it is the one being handled.
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return _answer(DatabaseUnavailable())
    return JsonResponse({"detail": "Server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
