"""Reading a second-factor device with its person and their force, in one written query.

Every signed-in request reads these three rows (``backends.OTPMiddleware``). Built by the
ORM on each request (``select_related("user__force")``) the query costs more to put
together than to answer, so its SQL is written once per kind of device from the models'
own fields, and the rows are made into instances as the ORM makes them: each column
through the converters the ORM would apply (the database's and the field's), the
instances by ``Model.from_db``, the person and their force cached on the relations, as
``select_related`` leaves them. Every field of each model is read: Django's checks on the
person (active, the session's hash of their password) see a whole row.
"""

import threading

from django.contrib.auth import get_user_model
from django.db import connections, router

#: Each thread's own: the converters are bound to its connection.
_plans = threading.local()


def read(device_model, device_pk, user_pk):
    """The device ``device_pk`` of ``device_model`` if it is ``user_pk``'s, with ``.user``
    (and their ``.force``) read in the same query; None when there is no such device."""
    alias = router.db_for_read(device_model)
    connection = connections[alias]
    plan = _plan(connection, device_model)
    with connection.cursor() as cursor:
        cursor.execute(plan["sql"], [device_pk, user_pk])
        row = cursor.fetchone()
    if row is None:
        return None
    made, start = [], 0
    for model, names, converters in plan["parts"]:
        values = list(row[start : start + len(names)])
        start += len(names)
        if values[0] is None:  # no row joined (a person without a force)
            made.append(None)
            continue
        for i, (functions, column) in converters:
            for function in functions:
                values[i] = function(values[i], column, connection)
        made.append(model.from_db(alias, names, values))
    device, person, force = made
    plan["force_field"].set_cached_value(person, force)
    plan["person_field"].set_cached_value(device, person)
    return device


def _plan(connection, device_model):
    plans = _plans.__dict__.setdefault("by_model", {})
    key = (connection.alias, device_model)
    if key not in plans:
        plans[key] = _written(connection, device_model)
    return plans[key]


def _written(connection, device_model):
    person_model = get_user_model()
    person_field = device_model._meta.get_field("user")
    force_field = person_model._meta.get_field("force")
    force_model = force_field.related_model
    quote = connection.ops.quote_name
    tables = (("d", device_model), ("u", person_model), ("f", force_model))
    columns, parts = [], []
    for alias, model in tables:
        fields = model._meta.concrete_fields
        columns += [f"{alias}.{quote(field.column)}" for field in fields]
        converters = []
        for i, field in enumerate(fields):
            column = field.get_col(alias)
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(
                connection
            )
            if functions:
                converters.append((i, (functions, column)))
        parts.append((model, [field.attname for field in fields], converters))
    device_pk = quote(device_model._meta.pk.column)
    sql = (
        f"SELECT {', '.join(columns)} "  # noqa: S608 (the models' own names, quoted)
        f"FROM {quote(device_model._meta.db_table)} d "
        f"INNER JOIN {quote(person_model._meta.db_table)} u "
        f"ON u.{quote(person_model._meta.pk.column)} = d.{quote(person_field.column)} "
        f"LEFT OUTER JOIN {quote(force_model._meta.db_table)} f "
        f"ON f.{quote(force_model._meta.pk.column)} = u.{quote(force_field.column)} "
        f"WHERE d.{device_pk} = %s AND d.{quote(person_field.column)} = %s"
    )
    return {"sql": sql, "parts": parts, "person_field": person_field, "force_field": force_field}
