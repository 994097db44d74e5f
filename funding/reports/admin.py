"""Admin for the high-needs budget lines (with history), snapshots (read-only) and the
published statements."""

from django.contrib import admin

from funding.reports.models import (
    BudgetLine,
    BudgetSnapshot,
    BudgetSnapshotLine,
    PublishedStatement,
)
from schools.admin_history import HistoryAdmin


@admin.register(BudgetLine)
class BudgetLineAdmin(HistoryAdmin):
    list_display = ["line", "financial_year", "budget", "other_commitment", "updated_at"]
    list_filter = ["financial_year", "line"]
    ordering = ["-financial_year", "line"]
    search_fields = ["note"]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


class BudgetSnapshotLineInline(admin.TabularInline):
    model = BudgetSnapshotLine
    extra = 0
    can_delete = False
    fields = ["line", "budget", "allocated", "forecast", "panel_pending", "other", "commitment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BudgetSnapshot)
class BudgetSnapshotAdmin(admin.ModelAdmin):
    list_display = ["month", "financial_year", "taken_on", "budget", "commitment", "run"]
    list_filter = ["financial_year"]
    readonly_fields = [
        "financial_year",
        "month",
        "taken_on",
        "taken_at",
        "run",
        "budget",
        "commitment",
    ]
    inlines = [BudgetSnapshotLineInline]

    def has_add_permission(self, request):
        return False  # snapshots are taken by the service (command, task, budget page)

    def has_delete_permission(self, request, obj=None):
        return False  # the budget position as it stood: kept, never deleted


@admin.register(PublishedStatement)
class PublishedStatementAdmin(HistoryAdmin):
    list_display = ["financial_year", "run", "published_at", "published_by"]
    readonly_fields = ["published_at", "published_by"]
    raw_id_fields = ["run"]
