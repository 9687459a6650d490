"""Every page checks who is asking: sign-in first, then the role's scope."""

import pytest
from django.urls import reverse

from tests.authenticator import authenticator_of, fresh_code

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_sign_in_page_is_open_to_everyone(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


@pytest.mark.parametrize("name", ["home", "inspection-list"])
def test_pages_send_strangers_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_detail_pages_send_strangers_to_sign_in(client, inspection_a, force_a):
    for url in (inspection_a.get_absolute_url(), force_a.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_signing_in_with_the_form_lands_on_the_overview(client, admin_user, inspection_a, password):
    device = authenticator_of(admin_user)
    response = client.post(
        reverse("login"), {"username": admin_user.username, "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("second-factor")
    response = client.post(reverse("second-factor"), {"code": fresh_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.templates[0].name == "dashboard/home.html"
    assert inspection_a.get_absolute_url().encode() in response.content


def test_a_wrong_password_is_refused_with_a_message(client, admin_user):
    response = client.post(reverse("login"), {"username": admin_user.username, "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "role_fixture", ["admin_user", "lead_user", "inspector_user", "unassigned_inspector"]
)
def test_staff_see_every_inspection_in_the_list(
    client, request, role_fixture, inspection_a, inspection_b
):
    user = request.getfixturevalue(role_fixture)
    response = signed_in(client, user).get(reverse("inspection-list"))
    assert response.status_code == 200
    assert b"essex-test" in response.content and b"hertfordshire-test" in response.content


def test_a_commissioner_lands_on_their_own_force(client, commissioner_a, force_a):
    response = signed_in(client, commissioner_a).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == force_a.get_absolute_url()


def test_a_commissioner_reaches_nothing_of_another_force(
    client, commissioner_a, force_b, inspection_a, inspection_b, case_b
):
    client = signed_in(client, commissioner_a)
    assert client.get(force_b.get_absolute_url()).status_code == 404
    assert client.get(inspection_b.get_absolute_url()).status_code == 404
    listing = client.get(reverse("inspection-list"))
    assert b"hertfordshire-test" not in listing.content
    assert b"essex-test" in listing.content


def test_a_commissioner_never_sees_a_case_or_its_summary(
    client, commissioner_a, inspection_a, case_a
):
    response = signed_in(client, commissioner_a).get(inspection_a.get_absolute_url())
    assert response.status_code == 200
    assert b"Sampled records" not in response.content
    assert case_a.summary.encode() not in response.content
    assert case_a.reference.encode() not in response.content


def test_case_counts_show_only_for_assigned_inspectors(
    client, inspector_user, unassigned_inspector, inspection_a, case_a
):
    assigned = signed_in(client, inspector_user).get(inspection_a.get_absolute_url())
    assert b"Sampled records" in assigned.content
    client.logout()
    other = signed_in(client, unassigned_inspector).get(inspection_a.get_absolute_url())
    assert other.status_code == 200 and b"Sampled records" not in other.content


@pytest.mark.parametrize(
    ("role_fixture", "status"),
    [("admin_user", 200), ("lead_user", 302), ("inspector_user", 302), ("commissioner_a", 302)],
)
def test_only_admins_reach_django_admin(client, request, role_fixture, status):
    user = request.getfixturevalue(role_fixture)
    response = signed_in(client, user).get(reverse("admin:index"))
    assert response.status_code == status


def test_health_answers_without_sign_in(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200 and response.content == b"ok"


def test_signing_out_ends_the_session(client, admin_user):
    signed_in(client, admin_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("inspection-list")).status_code == 302


def test_the_favicon_address_leads_to_the_sites_icon_without_signing_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg") and "favicon" in response["Location"]
