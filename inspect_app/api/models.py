"""Personal access tokens for the read-only API."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """One person's token for reading figures over the API, as they would on the pages.

    Only a SHA-256 of the token is kept: the token itself is shown once, when it is
    made, and cannot be read back. A token acts for its owner, with their role and
    force, so a commissioner's token reads their force's published figures only.
    It stops working when revoked, when it expires, or when its owner is deactivated.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'R script'.")
    key_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="Its first characters.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…) of {self.owner}"
