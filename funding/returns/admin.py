from django.contrib import admin

from funding.returns.models import MonthlyReturn, ReturnGeneration, ReturnLine
from schools.admin_history import HistoryAdmin


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = [
        "pupil",
        "year_group",
        "plan_kind",
        "lsa_hours",
        "lst_hours",
        "ta_hours",
        "band",
        "monthly_amount",
        "on_roll",
        "support_correct",
        "queried",
        "resolution",
    ]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlyReturn)
class MonthlyReturnAdmin(HistoryAdmin):
    list_display = ["school", "month", "status", "issued_at", "submitted_at"]
    list_filter = ["status", "month"]
    search_fields = ["school__name", "school__urn"]
    list_select_related = ["school"]
    date_hierarchy = "month"
    readonly_fields = [
        "school",
        "month",
        "generation",
        "issued_at",
        "opened_at",
        "opened_by",
        "started_at",
        "submitted_at",
        "submitted_by",
        "resolved_at",
        "last_reminded_at",
    ]
    inlines = [ReturnLineInline]

    def has_delete_permission(self, request, obj=None):
        return False  # a return is money history: kept, never deleted (issue 17)


@admin.register(ReturnLine)
class ReturnLineAdmin(HistoryAdmin):
    list_display = ["pupil", "monthly_return", "queried", "resolution"]
    list_filter = ["queried", "resolution"]
    search_fields = ["pupil__upn", "pupil__family_name", "monthly_return__school__name"]
    list_select_related = ["pupil", "monthly_return__school"]
    raw_id_fields = ["pupil", "placement", "plan", "support_level", "monthly_return"]

    def has_change_permission(self, request, obj=None):
        return False  # answers and resolutions go through the portal's services

    def has_delete_permission(self, request, obj=None):
        return False  # lines are replaced by return generation while open, never by hand


@admin.register(ReturnGeneration)
class ReturnGenerationAdmin(admin.ModelAdmin):
    list_display = [
        "month",
        "started_at",
        "finished_at",
        "schools",
        "created",
        "rebuilt",
        "left_alone",
        "failed",
    ]
    list_filter = ["month"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
