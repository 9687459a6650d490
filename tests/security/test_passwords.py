"""Passwords are hashed with Argon2; a hash stored before it still works and is rehashed.

The test run itself hashes with a fast hasher (tests/conftest.py); these tests put the
project's own list back for themselves.
"""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher, make_password
from django.test import override_settings
from django.urls import reverse

from inspect_app import settings as project_settings

pytestmark = pytest.mark.django_db

project_hashers = override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS)


@project_hashers
def test_a_new_password_is_hashed_with_argon2(password):
    assert identify_hasher(make_password(password)).algorithm == "argon2"


@project_hashers
def test_a_password_hashed_before_argon2_signs_in_and_is_rehashed(client, admin_user, password):
    # Few iterations only to keep the test quick: the stored hash says how many it took.
    admin_user.password = PBKDF2PasswordHasher().encode(password, "oldsalt", iterations=1000)
    admin_user.save(update_fields=["password"])

    response = client.post(
        reverse("login"), {"username": admin_user.username, "password": password}
    )

    assert response.status_code == 302 and response["Location"] == reverse("home")
    admin_user.refresh_from_db()
    assert identify_hasher(admin_user.password).algorithm == "argon2"
    assert admin_user.check_password(password)
