"""One row with the rows its foreign keys lead to, read by SQL written once and kept.

Some lookups run on every request before any page: who is signed in (a second factor's
device, its person, their force) and whose an API token is (the token and its owner).
Built by the ORM each time (``select_related(...).filter(...).first()``), such a query
costs more to put together than the database takes to answer it. Here its SQL is
written once per shape (the model, the relations followed, the columns compared) from the
models' own fields, and each row is made into instances as the ORM makes them: every
column through the converters the ORM would apply (the database's and the field's), each
instance by ``Model.from_db``, every related instance cached on its relation, as
``select_related`` leaves it. Every field of each model is read, so nothing is deferred.
"""

import threading

from django.db import connections, router

#: Each thread's own: the converters are bound to its connection.
_plans = threading.local()


def first(model, follow, **equal):
    """The ``model`` row whose fields equal ``equal`` (at most one should), with the
    relations named in ``follow`` read in the same query, each one the foreign key of the
    model before it (``("user", "force")``: the row's user, and that user's force); None
    when no row matches. A relation that is empty is cached as None."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    plans = _plans.__dict__.setdefault("by_shape", {})
    shape = (alias, model, tuple(follow), tuple(sorted(equal)))
    if shape not in plans:
        plans[shape] = _written(connection, model, tuple(follow), tuple(sorted(equal)))
    sql, parts, relations = plans[shape]
    with connection.cursor() as cursor:
        cursor.execute(sql, [equal[name] for name in sorted(equal)])
        row = cursor.fetchone()
    if row is None:
        return None
    made, start = [], 0
    for part_model, names, converters in parts:
        values = list(row[start : start + len(names)])
        start += len(names)
        if values[0] is None:  # the key is empty: no row was joined
            made.append(None)
            continue
        for i, functions, column in converters:
            for function in functions:
                values[i] = function(values[i], column, connection)
        made.append(part_model.from_db(alias, names, values))
    for owner, relation, related in zip(made, relations, made[1:], strict=False):
        if owner is not None:
            relation.set_cached_value(owner, related)
    return made[0]


def _written(connection, model, follow, compared):
    quote = connection.ops.quote_name
    models, relations = [model], []
    for name in follow:
        relation = models[-1]._meta.get_field(name)
        relations.append(relation)
        models.append(relation.related_model)
    columns, parts = [], []
    for n, each in enumerate(models):
        fields = each._meta.concrete_fields
        columns += [f"t{n}.{quote(field.column)}" for field in fields]
        converters = []
        for i, field in enumerate(fields):
            column = field.get_col(f"t{n}")
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(
                connection
            )
            if functions:
                converters.append((i, functions, column))
        if not fields[0].primary_key:  # its key comes first: empty, no row was joined
            raise TypeError(f"{each.__name__}'s first field is not its primary key")
        parts.append((each, [field.attname for field in fields], converters))
    joins, may_be_empty = [], False
    for n, relation in enumerate(relations, start=1):
        # Past an empty key every row joined is empty too: the joins stay outer.
        may_be_empty = may_be_empty or relation.null
        kind = "LEFT OUTER JOIN" if may_be_empty else "INNER JOIN"
        target = models[n]
        joins.append(
            f"{kind} {quote(target._meta.db_table)} t{n} "
            f"ON t{n}.{quote(target._meta.pk.column)} = t{n - 1}.{quote(relation.column)}"
        )
    where = " AND ".join(f"t0.{quote(_column(model, name))} = %s" for name in compared)
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t0 "  # noqa: S608
        f"{' '.join(joins)} WHERE {where}"
    )
    return sql, parts, relations


def _column(model, name):
    if name == "pk":
        return model._meta.pk.column
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field.column
    raise LookupError(f"{model.__name__} has no field {name!r}")
