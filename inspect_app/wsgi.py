"""WSGI entry point for gunicorn."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspect_app.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # The operator's to fix: one line in the log rather than a traceback.
    print(f"Configuration error: {error}", file=sys.stderr)
    raise SystemExit(2) from None
