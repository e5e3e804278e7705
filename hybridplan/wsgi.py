"""WSGI entry point (gunicorn hybridplan.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hybridplan.settings")
application = get_wsgi_application()

# What is loaded now (settings, models, every view and serializer the URLs reach) lives as
# long as the process: frozen, it is left out of every garbage collection, and a full one
# walks only what requests left behind.
get_resolver().url_patterns  # noqa: B018 (loading them is the point)
gc.freeze()
