"""The review tests' fixtures, for the audit entries a review leaves."""

from tests.review.conftest import assigned_case, second_inspector  # noqa: F401
