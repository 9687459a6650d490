"""The inspection dashboard's Django project.

The Celery app (``inspect_app.celery``) is not imported here, as Django's
usual layout does: importing Celery costs every command and every web
process a tenth of a second at start-up, and most never queue a task. Each
module that defines a task imports the app itself; ``celery -A inspect_app``
finds it in ``inspect_app.celery``; ``celery_app`` stays available, loaded on
first use.
"""


def __getattr__(name):
    if name == "celery_app":
        from inspect_app.celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
