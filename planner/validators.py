"""Validators for Kubernetes names and labels."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from ipam.constants import VLAN_ID_MAX, VLAN_ID_MIN
from planner.constants import (
    K8S_NAME_PATTERN,
    LABEL_NAME_MAX_LENGTH,
    LABEL_NAME_PATTERN,
    LABEL_PREFIX_MAX_LENGTH,
)

validate_k8s_name = RegexValidator(
    K8S_NAME_PATTERN,
    "Must be a valid Kubernetes object name: lower-case letters, digits, '-' and '.', "
    "starting and ending with a letter or digit.",
)

_LABEL_NAME = re.compile(LABEL_NAME_PATTERN)
_K8S_NAME = re.compile(K8S_NAME_PATTERN)


def _label_part_problem(kind: str, text: str) -> str | None:
    if len(text) > LABEL_NAME_MAX_LENGTH:
        return f"{kind} {text!r} is longer than {LABEL_NAME_MAX_LENGTH} characters"
    if not _LABEL_NAME.match(text):
        return (
            f"{kind} {text!r} must consist of letters, digits, '-', '_' or '.', "
            "and start and end with a letter or digit"
        )
    return None


def label_problems(labels: object) -> list[str]:
    """What is wrong with a label map, in Kubernetes' own terms; empty when it is valid."""
    if not isinstance(labels, dict):
        return ["labels must be a mapping of key to value"]
    problems = []
    for key, value in labels.items():
        if not isinstance(key, str) or not isinstance(value, str):
            problems.append(f"label {key!r}: keys and values must be strings")
            continue
        prefix, slash, name = key.rpartition("/")
        if slash and (len(prefix) > LABEL_PREFIX_MAX_LENGTH or not _K8S_NAME.match(prefix)):
            problems.append(f"label key prefix {prefix!r} must be a DNS subdomain")
        if not name:
            problems.append(f"label key {key!r} has an empty name")
        for problem in (
            _label_part_problem("label key", name),
            _label_part_problem(f"value of label {key!r}", value),
        ):
            if problem:
                problems.append(problem)
    return problems


def validate_labels(labels: object) -> None:
    problems = label_problems(labels)
    if problems:
        raise ValidationError(problems)


def validate_vlan_id(value: int) -> None:
    if not VLAN_ID_MIN <= value <= VLAN_ID_MAX:
        raise ValidationError(f"VLAN ID {value} is outside {VLAN_ID_MIN}..{VLAN_ID_MAX}")
