"""Signing in with a username and password, and finding the person again on each request."""

from django.contrib.auth import backends


class ModelBackend(backends.ModelBackend):
    """Django's own backend, reading the person's force in the same query: every page's
    header names it, so it would otherwise cost a query of its own on every request.
    Every check is Django's: an inactive person is still refused."""

    def get_user(self, user_id):
        model = backends.UserModel
        user = model._default_manager.select_related("force").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
