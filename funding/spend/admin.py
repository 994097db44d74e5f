from django.contrib import admin

from funding.spend.models import SenSpend
from schools.admin_history import HistoryAdmin


@admin.register(SenSpend)
class SenSpendAdmin(HistoryAdmin):
    """Read-only here: spend is recorded on the SEN spend pages (through the service)."""

    list_display = ("school", "financial_year", "amount", "recorded_by", "recorded_at")
    list_filter = ("financial_year",)
    search_fields = ("school__name", "school__urn")
    list_select_related = ("school", "recorded_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
