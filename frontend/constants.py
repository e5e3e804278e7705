"""Fixed values of the browser UI."""

# URL namespace of the browser UI: view names read `planner:subnet_list`, `planner:subnet`.
UI_NAMESPACE = "planner"
# Rows per page of a table, and of the smaller tables on an object page.
ROWS_PER_PAGE = 50
RELATED_ROWS_PER_PAGE = 25
# How many of each kind a name search shows.
SEARCH_RESULTS_PER_KIND = 20
# Dashboard: how many spaces nearest to exhaustion, and how many recent runs.
DASHBOARD_FULLEST_SPACES = 8
DASHBOARD_RECENT_RUNS = 10
