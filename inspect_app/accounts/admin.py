from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from inspect_app.accounts.models import User


@admin.register(User)
class InspectorateUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "force", "is_active", "last_login")
    list_filter = ("role", "force", "is_active")
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
