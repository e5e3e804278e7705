"""Template filters of the browser UI."""

import json
from typing import Any

from django import template
from django.db import models

from frontend import links

register = template.Library()


@register.filter
def object_url(instance: models.Model) -> str:
    """The page of a planner object."""
    return links.object_url(instance)


@register.filter
def field_value(value: Any) -> str:
    """A field's value in a plan's diff, or a value of a run's summary, as JSON; "(none)"
    where it is not set."""
    return "(none)" if value is None else json.dumps(value)
