from django.contrib import admin

from pupils.models import (
    FundingItem,
    ImportJob,
    Placement,
    Plan,
    Pupil,
    PupilHomeLa,
    SupportLevel,
)
from schools.admin_history import HistoryAdmin


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 0
    fields = ["school", "starts_on", "ends_on", "kind", "admission_kind", "reason"]
    autocomplete_fields = ["school"]


class PlanInline(admin.TabularInline):
    model = Plan
    extra = 0
    can_delete = False  # a plan carries its support levels (money history): ceased, not deleted
    fields = ["kind", "issued_on", "ceased_on", "primary_need", "annual_review_due", "caseworker"]
    show_change_link = True


class SupportLevelInline(admin.TabularInline):
    model = SupportLevel
    extra = 0
    can_delete = False
    fields = [
        "effective_from",
        "effective_to",
        "lsa_hours",
        "lst_hours",
        "ta_hours",
        "band",
        "resource_amount",
        "reason",
    ]


@admin.register(Pupil)
class PupilAdmin(HistoryAdmin):
    list_display = ["upn", "family_name", "given_name", "date_of_birth", "home_la"]
    list_filter = ["home_la"]
    search_fields = ["upn", "family_name", "given_name"]
    list_select_related = ["home_la"]
    inlines = [PlacementInline, PlanInline]


@admin.register(Placement)
class PlacementAdmin(HistoryAdmin):
    list_display = ["pupil", "school", "starts_on", "ends_on", "kind", "admission_kind"]
    list_filter = ["kind", "admission_kind"]
    search_fields = ["pupil__upn", "pupil__family_name", "school__name", "school__urn"]
    list_select_related = ["pupil", "school"]
    autocomplete_fields = ["pupil", "school"]
    date_hierarchy = "starts_on"


@admin.register(Plan)
class PlanAdmin(HistoryAdmin):
    list_display = ["pupil", "kind", "issued_on", "ceased_on", "primary_need", "annual_review_due"]
    list_filter = ["kind", "primary_need"]
    search_fields = ["pupil__upn", "pupil__family_name"]
    list_select_related = ["pupil"]
    autocomplete_fields = ["pupil"]
    inlines = [SupportLevelInline]


@admin.register(SupportLevel)
class SupportLevelAdmin(HistoryAdmin):
    list_display = [
        "plan",
        "effective_from",
        "effective_to",
        "lsa_hours",
        "lst_hours",
        "ta_hours",
        "band",
    ]
    list_filter = ["band"]
    search_fields = ["plan__pupil__upn", "plan__pupil__family_name"]
    list_select_related = ["plan__pupil"]
    raw_id_fields = ["plan"]

    def has_delete_permission(self, request, obj=None):
        """Support levels are what the money was paid on: superseded, never deleted."""
        return False


@admin.register(FundingItem)
class FundingItemAdmin(HistoryAdmin):
    list_display = ["pupil", "school", "kind", "annual_amount", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["pupil__upn", "pupil__family_name", "school__name"]
    list_select_related = ["pupil", "school"]
    autocomplete_fields = ["pupil", "school"]


@admin.register(PupilHomeLa)
class PupilHomeLaAdmin(HistoryAdmin):
    """Read-only: a move or a correction goes through the pupil page (pupils.services), so the
    previous period is closed and the pupil's current home LA kept in step (R8+)."""

    list_display = ["pupil", "la", "starts_on", "ends_on", "recorded_by", "reason"]
    list_filter = ["la"]
    search_fields = ["pupil__upn", "pupil__family_name"]
    list_select_related = ["pupil", "la", "recorded_by"]
    date_hierarchy = "starts_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Background pupil imports: who, when, how far, what went wrong (read-only)."""

    list_display = ("filename", "kind", "status", "created_by", "created_at", "error_count")
    list_filter = ("status", "kind")
    exclude = ("content", "errors_csv_gz")
    readonly_fields = (
        "kind",
        "filename",
        "created_by",
        "created_at",
        "finished_at",
        "status",
        "stage",
        "rows_total",
        "rows_done",
        "summary",
        "error_count",
        "errors_shown",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
