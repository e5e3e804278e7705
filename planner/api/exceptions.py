"""The one place where domain and database errors become HTTP answers, so no view leaks a 500.

REST_FRAMEWORK["EXCEPTION_HANDLER"] points here.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from planner.api.serializers.base import validation_error_detail
from planner.services.errors import (
    HybridnetDenied,
    NeedsReplacementError,
    NoSpaceError,
    PlanConflictError,
    PlanError,
    PlannerRejected,
    SubnetInUseError,
)
from planner.wording import named

# The status of each planner error; the most specific class listed wins.
PLAN_ERROR_STATUS: dict[type[PlanError], int] = {
    NoSpaceError: status.HTTP_409_CONFLICT,
    PlanConflictError: status.HTTP_409_CONFLICT,
    SubnetInUseError: status.HTTP_409_CONFLICT,
    NeedsReplacementError: status.HTTP_409_CONFLICT,
    HybridnetDenied: status.HTTP_400_BAD_REQUEST,
    PlannerRejected: status.HTTP_400_BAD_REQUEST,
    PlanError: status.HTTP_400_BAD_REQUEST,
}
# Attributes some planner errors carry, passed on to the client as they are.
PLAN_ERROR_EXTRAS = ("rule", "hybridnet_message", "ips", "fields", "run")
# Seconds a client is asked to wait (Retry-After) when the database is busy or unreachable.
DATABASE_RETRY_AFTER_S = 5

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class DatabaseUnavailable(exceptions.APIException):
    """The database is locked past its timeout, or unreachable: a moment later may work."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is busy or unavailable; try again shortly."
    default_code = "database_unavailable"
    # DRF's handler turns `wait` into Retry-After.
    wait = DATABASE_RETRY_AFTER_S


class RequestBodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is larger than {limit} bytes.")


class PlanErrorException(exceptions.APIException):
    """A PlanError as an answer: `detail`, the faulty field's errors, and the error's extras."""

    def __init__(self, error: PlanError) -> None:
        self.status_code = next(
            code for cls in type(error).__mro__ if (code := PLAN_ERROR_STATUS.get(cls))
        )
        body: dict[str, Any] = {"detail": error.message}
        if error.field:
            body[error.field] = [error.message]
        body.update(
            (name, getattr(error, name)) for name in PLAN_ERROR_EXTRAS if hasattr(error, name)
        )
        super().__init__(body)


def blocked_delete_message(error: ProtectedError | RestrictedError) -> str:
    objects = sorted(str(obj) for obj in error.args[1])
    return f"{error.args[0]} Still in use by: {named(objects)}."


def as_api_exception(error: Exception) -> Exception:
    """The DRF exception that answers *error*; other exceptions are returned unchanged."""
    # First: a ConflictingEditError is a PlanError and a ValidationError, and answers 409.
    if isinstance(error, PlanError):
        return PlanErrorException(error)
    if isinstance(error, DjangoValidationError):
        return exceptions.ValidationError(validation_error_detail(error))
    if isinstance(error, exceptions.ValidationError) and isinstance(error.detail, list):
        # Raised outside a serializer (e.g. SearchFilter): every 400 body is an object.
        return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.detail})
    if isinstance(error, ProtectedError | RestrictedError):
        return Conflict(blocked_delete_message(error))
    if isinstance(error, IntegrityError):
        # The database's own words name the constraint; the first line is the useful one.
        return Conflict(f"conflicts with existing data: {_first_line(error)}")
    if isinstance(error, DataError):
        # A value the column cannot hold (a number out of its range, say).
        return exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [f"invalid value: {_first_line(error)}"]}
        )
    if isinstance(error, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", _first_line(error))
        return DatabaseUnavailable()
    if isinstance(error, RequestDataTooBig):
        return RequestBodyTooLarge()
    return error


def _first_line(error: Exception) -> str:
    return next(iter(str(error).splitlines()), "")


def api_exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    return exception_handler(as_api_exception(error), context)
