from django.contrib import admin

from clusters.models import (
    AuxiliaryAidsApplication,
    AuxiliaryAidsFund,
    Cluster,
    ClusterMeeting,
    ClusterMembership,
    ClusterPot,
    ClusterRequest,
    PsfProtectedAmount,
    PsfRules,
)
from schools.admin_history import HistoryAdmin


class ClusterMembershipInline(admin.TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(Cluster)
class ClusterAdmin(HistoryAdmin):
    list_display = ["name", "host_school", "host_contact"]
    search_fields = ["name"]
    list_select_related = ["host_school", "host_contact"]
    inlines = [ClusterMembershipInline]


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(HistoryAdmin):
    list_display = ["cluster", "school", "starts_on", "ends_on"]
    list_filter = ["cluster"]
    search_fields = ["school__name", "school__urn", "cluster__name"]
    list_select_related = ["cluster", "school"]


# ---- PSF rules and the cluster pot: scheme data (R15-R18) ----------------------------------


class PsfRulesInline(admin.StackedInline):
    """For `funding.admin.FundingSchemeAdmin.inlines`: the scheme's PSF figures."""

    model = PsfRules
    extra = 0
    max_num = 1
    can_delete = False


class ClusterPotInline(admin.StackedInline):
    """For `funding.admin.FundingSchemeAdmin.inlines`: the year's cluster pot."""

    model = ClusterPot
    extra = 0
    max_num = 1
    can_delete = False
    readonly_fields = ["psf_released_note"]


@admin.register(PsfRules)
class PsfRulesAdmin(HistoryAdmin):
    list_display = [
        "scheme",
        "basis",
        "ends_at_end_of_nursery",
        "ends_at_end_of_primary",
        "ends_at_end_of_secondary",
    ]
    list_select_related = ["scheme__la"]
    autocomplete_fields = ["scheme"]


@admin.register(ClusterPot)
class ClusterPotAdmin(HistoryAdmin):
    list_display = ["scheme", "base_amount", "psf_released", "fixed_sum_per_school", "updated_at"]
    list_select_related = ["scheme__la"]
    readonly_fields = ["psf_released_note", "updated_at"]
    autocomplete_fields = ["scheme"]


# ---- meetings, requests, auxiliary aids ---------------------------------------------------


@admin.register(ClusterMeeting)
class ClusterMeetingAdmin(HistoryAdmin):
    list_display = ["cluster", "academic_year", "number", "date", "session", "status"]
    list_filter = ["status", "academic_year", "cluster"]
    list_select_related = ["cluster"]
    search_fields = ["cluster__name", "agenda", "minutes"]


class _ReadOnlyAdmin(HistoryAdmin):
    """Decisions are made in the service's pages (with their checks); here they are only read."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClusterRequest)
class ClusterRequestAdmin(_ReadOnlyAdmin):
    list_display = [
        "reference",
        "cluster",
        "school",
        "category",
        "amount_requested",
        "amount_approved",
        "amount_spent",
        "status",
        "submitted_at",
    ]
    list_filter = ["status", "category", "financial_year", "cluster"]
    list_select_related = ["cluster", "school"]
    search_fields = ["school__name", "school__urn", "for_whom", "pupil__upn"]
    date_hierarchy = "submitted_at"


@admin.register(AuxiliaryAidsFund)
class AuxiliaryAidsFundAdmin(HistoryAdmin):
    list_display = ["financial_year", "budget"]


@admin.register(AuxiliaryAidsApplication)
class AuxiliaryAidsApplicationAdmin(_ReadOnlyAdmin):
    list_display = [
        "reference",
        "fund",
        "school",
        "amount_requested",
        "amount_approved",
        "status",
        "submitted_at",
    ]
    list_filter = ["status", "fund"]
    list_select_related = ["fund", "school"]
    search_fields = ["school__name", "school__urn", "child", "adaptation"]


@admin.register(PsfProtectedAmount)
class PsfProtectedAmountAdmin(HistoryAdmin):
    """R15+: each PSF-protected pupil's protected historical amount, with its source."""

    list_display = ["pupil", "annual_amount", "source", "recorded_by", "updated_at"]
    search_fields = ["pupil__upn", "pupil__family_name", "source"]
    list_select_related = ["pupil", "recorded_by"]
    autocomplete_fields = ["pupil"]
    readonly_fields = ["recorded_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
