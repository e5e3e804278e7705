"""Template filters of the browser UI."""

from django import template
from django.db import models

from frontend import links

register = template.Library()


@register.filter
def object_url(instance: models.Model) -> str:
    """The page of a planner object."""
    return links.object_url(instance)
