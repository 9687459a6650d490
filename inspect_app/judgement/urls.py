"""The pages of judgement."""

urlpatterns = []
