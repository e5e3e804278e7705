"""Django's error handlers (handler400, handler500) for requests that fail outside a DRF
view, in a middleware or before a view is reached: under the API's path they answer JSON as
the API does (planner.api.exceptions maps the error), elsewhere Django's own pages."""

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status

from planner.api.constants import API_PATH_PREFIX
from planner.api.exceptions import as_api_exception


def _answer(error: exceptions.APIException) -> JsonResponse:
    detail = error.detail
    body = detail if isinstance(detail, dict) else {"detail": str(detail)}
    response = JsonResponse(body, status=error.status_code)
    wait = getattr(error, "wait", None)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not request.path.startswith(API_PATH_PREFIX):
        return defaults.bad_request(request, exception)
    answer = as_api_exception(exception)
    if isinstance(answer, exceptions.APIException):
        return _answer(answer)
    return _answer(exceptions.ParseError("Bad request."))


def server_error(request: HttpRequest) -> HttpResponse:
    if not request.path.startswith(API_PATH_PREFIX):
        return defaults.server_error(request)
    # Django calls the handler while handling the error, so it is the one being handled.
    answer = as_api_exception(sys.exc_info()[1])
    if isinstance(answer, exceptions.APIException):
        return _answer(answer)
    return JsonResponse({"detail": "Server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
