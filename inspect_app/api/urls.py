"""The pages of api."""

urlpatterns = []
