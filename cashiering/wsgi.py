"""WSGI entry point: `gunicorn cashiering.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cashiering.settings")
application = get_wsgi_application()
