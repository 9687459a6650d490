"""The queryset every model holding audit data uses, so that it can scope itself.

The rules of who sees what are not here: they are in ``accounts.access``, which
installs them when the accounts app is ready (``install_scoping``). Until it
has, every ``visible_to`` returns nothing: scoping fails closed.
"""

from django.db import models

#: ``(queryset, user) -> queryset``, installed by ``accounts.access``.
_scope = None


def install_scoping(scope):
    """Make ``scope(queryset, user)`` the rule ``visible_to`` applies."""
    global _scope
    _scope = scope


class ScopedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what one user may see.

    Its model declares ``access_level`` (``"reference"``, ``"figures"`` or
    ``"casework"``) and the lookups ``force_path`` and ``inspection_path``
    from it to its force and to its inspection.
    """

    def visible_to(self, user):
        if _scope is None:
            return self.none()
        return _scope(self, user)
