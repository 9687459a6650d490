"""The pages of sampling."""

urlpatterns = []
