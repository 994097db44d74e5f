from django.contrib import admin

from funding.payments.models import PaymentLine, PaymentPeriod, PeriodStatus
from schools.admin_history import HistoryAdmin


class PaymentLineInline(admin.TabularInline):
    model = PaymentLine
    fields = ("school", "pupil", "element", "route", "payer_la", "reason_kind", "amount", "reason")
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = False
    can_delete = False


@admin.register(PaymentPeriod)
class PaymentPeriodAdmin(HistoryAdmin):
    """Read-only: periods are generated, prepared and approved on the payments pages (through
    the services, which keep the segregation of duties); an approved period is never deleted."""

    list_display = ("__str__", "kind", "status", "cut_off", "pay_on", "prepared_by", "approved_by")
    list_filter = ("financial_year", "status")
    list_select_related = ("prepared_by", "approved_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return False
        return obj.status != PeriodStatus.APPROVED and not obj.lines.exists()


@admin.register(PaymentLine)
class PaymentLineAdmin(admin.ModelAdmin):
    list_display = ("period", "school", "pupil", "element", "reason_kind", "amount")
    list_filter = ("period__financial_year", "reason_kind", "element")
    search_fields = ("school__name", "school__urn", "pupil__upn")
    list_select_related = ("period", "school", "pupil")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
