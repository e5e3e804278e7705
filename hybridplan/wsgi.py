"""WSGI entry point (gunicorn hybridplan.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hybridplan.settings")
application = get_wsgi_application()
