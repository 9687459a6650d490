"""The project's URLs and one page that fails, to see what a 500 sends (tests only)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from inspect_app.urls import urlpatterns as project_urlpatterns


@login_not_required
def fails(request):
    """A page with a fault in it, open to anyone (a 500 reaches strangers too)."""
    raise RuntimeError("a fault inside a page")


urlpatterns = [path("test-only/fails/", fails, name="test-fails"), *project_urlpatterns]
