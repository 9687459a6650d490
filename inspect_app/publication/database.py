"""The one door through which published rows may be deleted: the demonstration's own.

Migration 0002's triggers refuse every change to a published version, except a DELETE
of a demonstration version while ``removing_demo_versions`` is open. On PostgreSQL that
is a setting local to the transaction; on SQLite a function each connection answers.
"""

import contextlib

from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver


@receiver(connection_created)
def _answer_the_trigger(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "publication_removing_demo",
        0,
        lambda: int(getattr(connection, "_publication_removing_demo", False)),
    )


@contextlib.contextmanager
def removing_demo_versions():
    """Inside this block, and only in its transaction, demo versions may be deleted."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('publication.removing_demo', 'on', true)")
        connection._publication_removing_demo = True
        try:
            yield
        finally:
            connection._publication_removing_demo = False
            # After an error the block's savepoint is rolled back, and the setting with it.
            if connection.vendor == "postgresql" and not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('publication.removing_demo', '', true)")
