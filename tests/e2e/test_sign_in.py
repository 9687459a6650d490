"""A person signs in through the browser and lands where their role belongs."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_signs_in_and_lands_on_the_overview_of_open_inspections(
    sign_in, admin_user, inspection_a, inspection_b, screenshot
):
    page = sign_in(admin_user)
    assert page.url.endswith("/")
    assert page.get_by_role("heading", name="Overview", level=1).is_visible()
    for inspection in (inspection_a, inspection_b):
        card = page.locator(f"#inspection-{inspection.slug}")
        assert card.get_by_role("link", name=inspection.force.name, exact=True).is_visible()
        assert card.get_by_role("link", name=f"Upload a batch for {inspection.force.name}").count()
    screenshot("overview")


def test_a_commissioner_lands_on_their_force_only(
    sign_in, commissioner_a, force_a, inspection_b, live_server, page
):
    sign_in(commissioner_a)
    assert page.url.endswith(force_a.get_absolute_url())
    assert page.get_by_role("heading", name="Essex").is_visible()
    response = page.goto(f"{live_server.url}{inspection_b.force.get_absolute_url()}")
    assert response.status == 404


def test_a_wrong_password_shows_the_error_summary(page, live_server, admin_user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.url.endswith("/accounts/login/")
