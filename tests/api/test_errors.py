"""The exception handler: each planner, model and database error becomes one HTTP answer."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError

from planner.api.exceptions import api_exception_handler
from planner.services.errors import (
    HybridnetDenied,
    NeedsReplacementError,
    NoSpaceError,
    PlanConflictError,
    PlanError,
    PlannerRejected,
    SubnetInUseError,
)


def answer(error: Exception):
    response = api_exception_handler(error, {})
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "extras"),
    [
        (NoSpaceError("no space for 50 addresses"), 409, {}),
        (PlanConflictError("overlaps subnet a"), 409, {}),
        (SubnetInUseError("a", ["10.0.0.5"], 1), 409, {"ips": ["10.0.0.5"]}),
        (NeedsReplacementError("Subnet", "a", ["cidr"]), 409, {"fields": ["cidr"]}),
        (
            HybridnetDenied("S-7", "must not assign net ID for overlay subnet"),
            400,
            {"rule": "S-7", "hybridnet_message": "must not assign net ID for overlay subnet"},
        ),
        (
            PlannerRejected("size must be 1..65536", field="size"),
            400,
            {"size": ["size must be 1..65536"]},
        ),
        (PlanError("something the planner cannot do"), 400, {}),
    ],
)
def test_planner_errors(error, status, extras):
    assert answer(error) == (status, {"detail": error.message, **extras})


def test_model_validation_errors_are_field_errors_said_once():
    error = ValidationError(
        {"cidr": ["bad", "bad"], NON_FIELD_ERRORS: ["segment or pool, not both"]}
    )
    assert answer(error) == (
        400,
        {"cidr": ["bad"], "non_field_errors": ["segment or pool, not both"]},
    )


def test_database_constraint_is_a_conflict():
    error = IntegrityError('duplicate key value violates unique constraint "x"\nDETAIL: ...')
    status, body = answer(error)
    assert status == 409
    assert body["detail"] == (
        'conflicts with existing data: duplicate key value violates unique constraint "x"'
    )


def test_other_errors_are_left_alone():
    assert api_exception_handler(RuntimeError("bug"), {}) is None
