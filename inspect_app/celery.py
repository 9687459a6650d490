"""The Celery application: workers and the scheduler load Django settings from here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspect_app.settings")

app = Celery("inspect_app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
