"""List views that can list only what their reader may see.

Every list of audit data is a ``VisibleListView`` (or, drawn as a django-tables2
table, a ``VisibleTableView``). A subclass names its ``model`` and may narrow
the rows in ``narrow(queryset)``; the queryset it is handed is always
``model.objects.visible_to(request.user)``, so no list can start from more than
its reader may see.

``get_queryset`` is the base's alone: a subclass (or a mixin before the base)
that defines one, or a class ``queryset`` that would seem to replace the scoped
one, is refused when the class is made, so a view that forgot to scope fails on
import, not in front of a reader.
"""

from django.core.exceptions import ImproperlyConfigured
from django.views.generic import ListView
from django_tables2 import SingleTableMixin


class VisibleListView(ListView):
    """A list of ``model``'s objects that ``request.user`` may see, and no others.

    Set ``model``; override ``narrow(queryset)`` to filter, annotate, join or
    order the scoped rows. ``ordering`` and pagination work as in ``ListView``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Compared through the whole MRO, so a mixin's get_queryset is caught too.
        if cls.get_queryset is not VisibleListView.get_queryset:
            raise ImproperlyConfigured(
                f"{cls.__qualname__} defines get_queryset, which would skip the reader's "
                "scope: narrow the scoped rows in narrow(queryset) instead."
            )
        if getattr(cls, "queryset", None) is not None:
            raise ImproperlyConfigured(
                f"{cls.__qualname__} sets queryset, which a scoped list never reads: "
                "set model, and narrow the rows in narrow(queryset)."
            )

    def get_queryset(self):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__qualname__} names no model to list.")
        queryset = self.narrow(self.model.objects.visible_to(self.request.user))
        ordering = self.get_ordering()
        if ordering:
            if isinstance(ordering, str):
                ordering = (ordering,)
            queryset = queryset.order_by(*ordering)
        return queryset

    def narrow(self, queryset):
        """The rows to list, from ``queryset`` (already scoped to the reader): only ever
        refine it (filter, annotate, select_related, order_by), never replace it."""
        return queryset


class VisibleTableView(SingleTableMixin, VisibleListView):
    """A ``VisibleListView`` drawn as a django-tables2 ``table_class`` (sorting, pagination)."""
