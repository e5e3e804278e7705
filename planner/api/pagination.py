"""Pagination of list endpoints: `?limit=` and `?offset=`, capped so one page stays cheap."""

from rest_framework.pagination import LimitOffsetPagination

from planner.api.constants import MAX_PAGE_SIZE


class PlannerPagination(LimitOffsetPagination):
    """The default page size is REST_FRAMEWORK["PAGE_SIZE"]; `?limit=` may ask for more."""

    max_limit = MAX_PAGE_SIZE
