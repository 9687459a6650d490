"""Guards for views that only some roles may use."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(*roles):
    """Refuse (403) anyone whose role is not one of ``roles``.

    Sign-in is already required everywhere by the middleware; this narrows a
    view to the roles allowed to act through it. What objects they then see is
    still decided by ``visible_to``.
    """

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def allowed_if(question):
    """Refuse (403) anyone for whom ``question(user)`` (a question of ``access``) is false."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not question(request.user):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return guarded

    return decorator
