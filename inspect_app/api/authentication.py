"""Token authentication for the API: ``Authorization: Bearer <token>``."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from inspect_app.api import tokens


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """A personal access token stands for its owner's sign-in and second factor: it was
    made by them after both, and is kept hashed."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as “Authorization: Bearer TOKEN”."
            )
        try:
            return tokens.holder_of(header[1].decode(errors="replace"))
        except tokens.TokenError as error:
            raise exceptions.AuthenticationFailed(str(error)) from None

    def authenticate_header(self, request):
        return self.keyword


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document names the token: HTTP bearer."""

    target_class = PersonalTokenAuthentication
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from “Your API tokens”.",
        }
