from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn

from inspect_app.accounts import second_factor_views, security_keys, views

# The security-key ceremonies, under the library's names (its scripts look them up), with
# the two that finish a ceremony audited.
security_key_urls = (
    [
        path(
            "registration/begin/",
            webauthn.BeginCredentialRegistrationView.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            security_keys.CompleteRegistration.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            webauthn.BeginCredentialAuthenticationView.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            security_keys.CompleteAuthentication.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)

urlpatterns = [
    path("audit-log/", views.audit_log, name="audit-log"),
    path("accounts/second-factor/", second_factor_views.verify, name="second-factor"),
    path("accounts/second-factor/set-up/", second_factor_views.enrol, name="second-factor-enrol"),
    path(
        "accounts/second-factor/recovery-codes/",
        second_factor_views.recovery_codes,
        name="second-factor-recovery-codes",
    ),
    path("accounts/sign-in-security/", second_factor_views.manage, name="sign-in-security"),
    path(
        "accounts/sign-in-security/keys/<int:key_id>/remove/",
        second_factor_views.remove_key,
        name="security-key-remove",
    ),
    path("accounts/security-key/", include(security_key_urls)),
]
