from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from inspect_app.accounts import second_factor
from inspect_app.accounts.models import AuditEvent, User

# Roles, not groups, decide what people may do: groups would only mislead.
admin.site.unregister(Group)


@admin.register(User)
class InspectorateUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "force", "is_active", "last_login")
    list_filter = ("role", "force", "is_active")
    actions = ["reset_second_factor"]
    fieldsets = (
        *UserAdmin.fieldsets[:2],
        ("Role", {"fields": ("role", "force", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "force", "password1", "password2"),
            },
        ),
    )

    @admin.action(description="Reset the second factor of the selected users")
    def reset_second_factor(self, request, queryset):
        """For a lost phone or used-up recovery codes: each person chosen sets up a new
        authenticator at their next page, and the log says who reset whose."""
        people = list(queryset.order_by("username"))
        for person in people:
            second_factor.reset(person, by=request.user, request=request)
        names = ", ".join(person.get_username() for person in people)
        self.message_user(
            request,
            f"Second factor reset for {names}: they set up a new one at their next sign-in.",
            messages.SUCCESS,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is only ever added to."""

    list_display = ("occurred_at", "actor_username", "action", "target", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_username", "target")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
