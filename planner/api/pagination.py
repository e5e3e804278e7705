"""Pagination of list endpoints: `?limit=` and `?offset=`, capped so one page stays cheap."""

from rest_framework.pagination import LimitOffsetPagination

from planner.api.constants import MAX_PAGE_SIZE


class PlannerPagination(LimitOffsetPagination):
    """The default page size is REST_FRAMEWORK["PAGE_SIZE"]; `?limit=` may ask for more.

    A view with `rows_shown(queryset)` has the page's rows read as it shows them (with the
    names of their related objects, joined), and the list counted as filtered: those joins
    would slow the count of a long list and change nothing in it."""

    max_limit = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.counted = queryset
        rows_shown = getattr(view, "rows_shown", None)
        shown = queryset if rows_shown is None else rows_shown(queryset)
        return super().paginate_queryset(shown, request, view)

    def get_count(self, queryset) -> int:
        return super().get_count(self.counted)
