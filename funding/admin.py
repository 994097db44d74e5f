"""Admin for schemes (with their rate tables inline) and a read-only view of runs and lines."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from clusters.admin import ClusterPotInline, PsfRulesInline
from funding import services
from funding.calculations.scheme import (
    HOURLY,
    HourlyRateData,
    TaBandData,
    validate_hourly_rates,
    validate_ta_bands,
)
from funding.models import (
    AllocationLine,
    AllocationRun,
    FundingScheme,
    HourlyRate,
    NotionalSenFactor,
    RunStatus,
    SchemeRateChange,
    TaHoursBand,
)
from schools.admin_history import HistoryAdmin


def _live_forms(formset):
    return [
        f
        for f in formset.forms
        if f.has_changed() or f.instance.pk
        if not (formset.can_delete and formset._should_delete_form(f))
        if hasattr(f, "cleaned_data") and f.cleaned_data
    ]


class HourlyRateFormSet(BaseInlineFormSet):
    """Refuses a scheme on the hourly method without a rate for every role and phase."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            HourlyRateData(
                f.cleaned_data["role"],
                f.cleaned_data["phase"],
                f.cleaned_data["hourly_rate"],
                f.cleaned_data["weeks_per_year"],
                f.cleaned_data.get("delegated", True),
            )
            for f in _live_forms(self)
        ]
        method = getattr(self.instance, "top_up_method", HOURLY)
        errors = validate_hourly_rates(rows, top_up=method).get("hourly_rates")
        if errors:
            raise ValidationError(errors)


class TaHoursBandFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            TaBandData(
                f.cleaned_data["min_hours"],
                f.cleaned_data["amount_from"],
                f.cleaned_data.get("rate_per_hour") or 0,
                f.cleaned_data.get("amount_to"),
                f.cleaned_data.get("label", ""),
            )
            for f in _live_forms(self)
        ]
        method = getattr(self.instance, "top_up_method", HOURLY)
        errors = validate_ta_bands(rows, top_up=method).get("ta_bands")
        if errors:
            raise ValidationError(errors)


class NotionalSenFactorInline(admin.TabularInline):
    model = NotionalSenFactor
    extra = 0
    fields = ["factor", "weight_percent", "rate_per_pupil", "note"]


class HourlyRateInline(admin.TabularInline):
    model = HourlyRate
    formset = HourlyRateFormSet
    extra = 0
    fields = ["phase", "role", "hourly_rate", "weeks_per_year", "delegated", "note"]


class TaHoursBandInline(admin.TabularInline):
    model = TaHoursBand
    formset = TaHoursBandFormSet
    extra = 0
    fields = ["label", "min_hours", "amount_from", "rate_per_hour", "amount_to"]


@admin.register(FundingScheme)
class FundingSchemeAdmin(HistoryAdmin):
    list_display = ["name", "la", "financial_year", "top_up_method", "threshold", "updated_at"]
    list_filter = ["financial_year", "la", "top_up_method", "preset"]
    search_fields = ["name", "la__name", "la__code"]
    list_select_related = ["la"]
    inlines = [
        NotionalSenFactorInline,
        HourlyRateInline,
        TaHoursBandInline,
        PsfRulesInline,
        ClusterPotInline,
    ]
    actions = ["copy_to_next_year"]
    fieldsets = [
        (None, {"fields": ["la", "financial_year", "name", "preset", "notes"]}),
        ("Element 1: AWPU by key stage (R1)", {"fields": ["awpu_primary", "awpu_ks3", "awpu_ks4"]}),
        ("Threshold (R3) and top-up method (R5, R6)", {"fields": ["threshold", "top_up_method"]}),
        (
            "Additional SEN Support (R4)",
            {
                "fields": [
                    "additional_sen_support",
                    "ass_percentage",
                    "ass_amount",
                    "ass_counting_month",
                ]
            },
        ),
        (
            "Payments (R24)",
            {
                "fields": [
                    "payment_frequency",
                    "payment_cut_off_day",
                    "payment_day",
                    "maintained_payment_method",
                    "provider_payment_method",
                    "hold_queried_return_lines",
                ]
            },
        ),
        (
            "Place funding (R11, R13, R14)",
            {
                "fields": [
                    "special_place_amount",
                    "ssc_occupied_place_amount",
                    "ssc_unoccupied_place_amount",
                    "ap_place_amount",
                    "fe_element_1",
                    "fe_element_2",
                ]
            },
        ),
        (
            "Pupil Specific Funding (R15-R17) and recoupment (R8)",
            {"fields": ["psf_enabled", "psf_cutover_date", "import_export_rate"]},
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        errors = services.scheme_errors(form.instance)
        for field, problems in errors.items():
            for problem in problems:
                messages.warning(request, f"{field}: {problem} Runs are refused until it is fixed.")

    @admin.action(description="Copy to the next financial year")
    def copy_to_next_year(self, request, queryset):
        for scheme in queryset.select_related("la"):
            try:
                copy = services.scheme_copy(
                    scheme=scheme, financial_year=scheme.financial_year + 1, user=request.user
                )
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, f"Copied {scheme} to {copy}.", messages.SUCCESS)


@admin.register(AllocationRun)
class AllocationRunAdmin(HistoryAdmin):
    list_display = [
        "pk",
        "financial_year",
        "kind",
        "status",
        "line_count",
        "total_amount",
        "created_by",
        "created_at",
    ]
    list_filter = ["financial_year", "kind", "status"]
    list_select_related = ["created_by"]
    readonly_fields = [
        "financial_year",
        "kind",
        "scheme",
        "status",
        "progress",
        "progress_message",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "line_count",
        "total_amount",
        "totals",
        "warnings",
        "error",
        "as_at",
        "approved_by",
        "approved_at",
    ]
    fields = readonly_fields + ["note"]
    actions = ["abandon"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.approved_at is not None:
            return [*self.readonly_fields, "note"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        """A completed or approved run is the record of the money: never deleted (a failed run
        may be). The bulk action is off, since it cannot tell one run from another."""
        if obj is None:
            return False
        return (
            obj.status == RunStatus.FAILED
            and obj.approved_at is None
            and (super().has_delete_permission(request, obj))
        )

    def delete_model(self, request, obj):
        services.allocation_run_delete(run=obj, user=request.user)

    @admin.action(description="Abandon (mark a stuck run as failed)")
    def abandon(self, request, queryset):
        for run in queryset:
            try:
                services.allocation_run_abandon(
                    run=run, user=request.user, reason="Abandoned in admin"
                )
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        self.message_user(request, "Abandoned the selected runs that were still in progress.")


@admin.register(AllocationLine)
class AllocationLineAdmin(admin.ModelAdmin):
    list_display = [
        "run",
        "school",
        "pupil",
        "element",
        "rule",
        "period_from",
        "period_to",
        "amount",
        "payer_la",
        "delegated",
    ]
    list_filter = ["element", "rule", "delegated", "run__financial_year"]
    search_fields = ["school__name", "school__urn", "pupil__upn", "pupil__family_name"]
    list_select_related = ["run", "school", "pupil", "payer_la"]
    raw_id_fields = ["run", "school", "pupil", "payer_la"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        """Lines are written once by their run and kept with it."""
        return False


@admin.register(SchemeRateChange)
class SchemeRateChangeAdmin(HistoryAdmin):
    """Rates changed from a date in the year (R26): written by adopting an uplift, with who
    and why; read-only here, never deleted (money history is superseded, not removed)."""

    list_display = ["scheme", "effective_from", "rate_set", "percent", "created_by", "created_at"]
    list_filter = ["financial_year", "rate_set"]
    list_select_related = ["scheme", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
