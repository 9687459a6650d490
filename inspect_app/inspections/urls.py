"""The review workflow's pages, under the dashboard's /inspections/<slug>/.

Cases are addressed by their id, not their reference: a force's reference can
be any text (slashes, dots, spaces), and the inspection's slug in the path is
checked against the case, so a case of another inspection is not found.
"""

from django.urls import path

from inspect_app.inspections.views import case, lead, workspace

urlpatterns = [
    path("inspections/<slug:slug>/workspace/", workspace.workspace, name="inspection-workspace"),
    path(
        "inspections/<slug:slug>/workspace/claim/", workspace.claim_next, name="review-claim-next"
    ),
    path("inspections/<slug:slug>/workspace/assign/", lead.assign, name="review-assign"),
    path(
        "inspections/<slug:slug>/workspace/double-review/",
        lead.double_review_share,
        name="review-double-review-share",
    ),
    path("inspections/<slug:slug>/sign-off/", lead.sign_off, name="review-sign-off"),
    path("inspections/<slug:slug>/reopen/", lead.reopen, name="review-reopen"),
    path("inspections/<slug:slug>/agreement/", workspace.agreement_page, name="review-agreement"),
    path("inspections/<slug:slug>/cases/<int:pk>/", case.case_detail, name="review-case"),
]
