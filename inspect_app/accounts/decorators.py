"""Guards for views that only some people may use: each asks a question of ``access``."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def allowed_if(question):
    """Refuse (403) anyone for whom ``question(user)`` (a question of ``access``) is false.

    Sign-in is already required everywhere by the middleware; this narrows a
    view to the people allowed to act through it. What objects they then see
    is still decided by ``visible_to``.
    """

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not question(request.user):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return guarded

    return decorator
