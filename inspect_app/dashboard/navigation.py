"""The service navigation: the sections a person can go to, with the current one marked.

A template context processor, so every page's header shows the same
sections for the same person, and the section the page belongs to is marked
(``aria-current``) without each view saying so.
"""

from dataclasses import dataclass

from django.urls import reverse

from inspect_app.accounts import access

#: Which section a page belongs to, by the start of its URL name.
SECTIONS_BY_URL_NAME = (
    ("home", "home"),
    ("inspection-", "inspections"),
    ("review-", "inspections"),
    ("batch-", "inspections"),
    ("programme-", "figures"),
    ("offence-", "figures"),
    ("force-", "figures"),
    ("audit-log", "audit-log"),
    ("outlier-", "outliers"),
    ("grade-bands", "outliers"),
)


@dataclass(frozen=True)
class Section:
    """One entry of the service navigation."""

    key: str
    label: str
    url: str
    current: bool


def current_section(request):
    match = getattr(request, "resolver_match", None)
    name = (match.url_name or "") if match else ""
    return next((section for start, section in SECTIONS_BY_URL_NAME if name.startswith(start)), "")


def sections_for(user, current=""):
    """The sections ``user`` may go to, in the order the header shows them."""
    if not (user and user.is_authenticated):
        return []
    if access.reads_force_summary_only(user):
        if user.force_id is None:
            return []
        url = reverse("force-detail", kwargs={"slug": user.force.slug})
        return [Section("figures", f"{user.force} summary", url, True)]
    home_label = "My work" if access.works_own_cases_only(user) else "Overview"
    entries = [
        ("home", home_label, reverse("home")),
        ("inspections", "Inspections", reverse("inspection-list")),
        ("figures", "National figures", reverse("programme-list")),
    ]
    if access.may_follow_up(user):
        entries.append(("outliers", "Outliers", reverse("outlier-list")))
    if access.may_read_audit_log(user):
        entries.append(("audit-log", "Audit log", reverse("audit-log")))
    return [Section(key, label, url, key == current) for key, label, url in entries]


def navigation(request):
    """Context processor: ``nav_sections`` for the header of every page."""
    user = getattr(request, "user", None)
    # Until the second factor is passed no section can be opened: none is offered.
    if user is not None and not getattr(user, "is_verified", lambda: True)():
        return {"nav_sections": []}
    return {"nav_sections": sections_for(user, current_section(request))}
