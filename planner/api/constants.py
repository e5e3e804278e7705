"""Fixed values of the REST API."""

# URL namespace of the API: view names read `planner-api:subnet-detail`, `planner-api:subnet-carve`.
API_NAMESPACE = "planner-api"

# A page holds at most this many objects (`?limit=`), and a bulk create at most this many.
MAX_PAGE_SIZE = 1000
MAX_BULK_OBJECTS = 1000

# Free-interval listings: how many intervals by default, and at most.
FREE_INTERVALS_DEFAULT_LIMIT = 100
FREE_INTERVALS_MAX_LIMIT = 10000
# Where the API is served (hybridplan/urls.py), for answers given outside its views.
API_PATH_PREFIX = "/api/"
# The response header that names the request id its changes carry in the change log.
REQUEST_ID_HEADER = "X-Request-ID"
