"""Where sessions are kept: Django's database sessions, read with one plain query.

Every signed-in request reads its session first. Django's own engine asks for it through
the ORM, which spends more time building the query than the database spends answering
it; this engine asks the same question (the row with this key, not yet expired) as
written SQL. Everything else (saving, deleting, ending a person's sessions everywhere)
is Django's, and sessions stay in the database only (see the comment in settings.py).
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    """Django's database session store, loading a session without building an ORM query."""

    def load(self):
        data = self._stored_data()
        if data is None:
            # As Django's engine does: a key with no live session is forgotten, so the
            # next save starts a new session rather than reviving this one.
            self._session_key = None
            return {}
        return self.decode(data)

    def _stored_data(self):
        if self.session_key is None:
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        return None if row is None else row[0]
