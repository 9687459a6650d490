from django.contrib import admin

from forces.models import Force, OffenceGroup, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "region", "recorded_crime_volume")
    list_filter = ("region",)
    search_fields = ("name", "code")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(OffenceGroup)
class OffenceGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent")
    search_fields = ("name", "code")
