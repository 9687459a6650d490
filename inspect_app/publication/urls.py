"""The pages of publication."""

urlpatterns = []
