"""Scenarios in the admin: read the history; edits go through the pages (the services)."""

from django.contrib import admin

from funding.scenarios.models import Scenario, ScenarioRun
from schools.admin_history import HistoryAdmin


@admin.register(Scenario)
class ScenarioAdmin(HistoryAdmin):
    list_display = ["name", "financial_year", "la", "created_by", "updated_at"]
    list_filter = ["financial_year"]
    readonly_fields = ["values", "created_by", "created_at", "updated_at"]
    search_fields = ["name", "description"]


@admin.register(ScenarioRun)
class ScenarioRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "label", "financial_year", "as_at", "total", "pupils", "created_at"]
    list_filter = ["financial_year"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
