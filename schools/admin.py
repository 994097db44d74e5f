from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.http import HttpResponseRedirect
from django.urls import reverse

from schools import accounts
from schools.admin_history import HistoryAdmin
from schools.models import (
    ClosureDay,
    LocalAuthority,
    NotionalSenBudget,
    PlannedPlaces,
    School,
    SchoolAccess,
    SchoolCensus,
    SpecialSchoolBand,
    TermDate,
)


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_administering"]
    list_filter = ["is_administering"]
    search_fields = ["code", "name"]


class SchoolCensusInline(admin.TabularInline):
    model = SchoolCensus
    extra = 0
    fields = [
        "census_date",
        "reception",
        "year_6",
        "year_11",
        "fsm",
        "idaci",
        "low_prior_attainment",
        "ehc_plans",
    ]
    show_change_link = True


class PlannedPlacesInline(admin.TabularInline):
    model = PlannedPlaces
    extra = 0


class SpecialSchoolBandInline(admin.TabularInline):
    model = SpecialSchoolBand
    extra = 0


class SchoolAccessInline(admin.TabularInline):
    model = SchoolAccess
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(School)
class SchoolAdmin(HistoryAdmin):
    list_display = ["urn", "name", "la", "phase", "establishment_type", "status", "number_on_roll"]
    list_filter = ["phase", "establishment_type", "status", "la"]
    search_fields = ["urn", "name"]
    list_select_related = ["la"]
    inlines = [PlannedPlacesInline, SpecialSchoolBandInline, SchoolCensusInline, SchoolAccessInline]


@admin.register(SchoolCensus)
class SchoolCensusAdmin(HistoryAdmin):
    list_display = ["school", "census_date", "fsm", "idaci", "low_prior_attainment", "ehc_plans"]
    list_filter = ["census_date"]
    search_fields = ["school__name", "school__urn"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]


@admin.register(PlannedPlaces)
class PlannedPlacesAdmin(HistoryAdmin):
    list_display = ["school", "academic_year", "provision", "places", "occupied"]
    list_filter = ["academic_year", "provision"]
    search_fields = ["school__name", "school__urn"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]


@admin.register(SpecialSchoolBand)
class SpecialSchoolBandAdmin(HistoryAdmin):
    list_display = ["school", "financial_year", "band", "annual_rate"]
    list_filter = ["financial_year", "band"]
    search_fields = ["school__name", "school__urn"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]


@admin.register(NotionalSenBudget)
class NotionalSenBudgetAdmin(HistoryAdmin):
    """R2: the LA's notional SEN amounts (normally imported at /schools/data/notional-sen/)."""

    list_display = ["school", "financial_year", "amount", "source"]
    list_filter = ["financial_year"]
    search_fields = ["school__name", "school__urn"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]


@admin.register(TermDate)
class TermDateAdmin(admin.ModelAdmin):
    list_display = ["la", "academic_year", "name", "starts_on", "ends_on"]
    list_filter = ["academic_year", "la"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["la", "date", "reason"]
    list_filter = ["la"]


@admin.register(SchoolAccess)
class SchoolAccessAdmin(admin.ModelAdmin):
    list_display = ["user", "school"]
    search_fields = ["user__username", "school__name", "school__urn"]
    list_select_related = ["user", "school"]
    autocomplete_fields = ["user", "school"]


# ---- users: deactivated, never deleted once they have acted (issue 17) --------------------------


@admin.action(description="Deactivate (cannot sign in; their records still name them)")
def deactivate_users(modeladmin, request, queryset):
    for user in queryset:
        accounts.user_deactivate(user=user)
    modeladmin.message_user(request, f"Deactivated {queryset.count()} user(s).", messages.SUCCESS)


class UserAdmin(DjangoUserAdmin):
    actions = [deactivate_users]

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # one at a time, so each is checked
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and accounts.user_has_acted(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, object_id)
        if user is not None and accounts.user_has_acted(user):
            message = accounts.USER_HAS_ACTED.format(user=user.get_username())
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))
        return super().delete_view(request, object_id, extra_context)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
