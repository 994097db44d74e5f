from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clusters.models import Cluster, ClusterMembership


class ClusterMembershipInline(admin.TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(Cluster)
class ClusterAdmin(SimpleHistoryAdmin):
    list_display = ["name", "host_school", "host_contact"]
    search_fields = ["name"]
    list_select_related = ["host_school", "host_contact"]
    inlines = [ClusterMembershipInline]


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["cluster", "school", "starts_on", "ends_on"]
    list_filter = ["cluster"]
    search_fields = ["school__name", "school__urn", "cluster__name"]
    list_select_related = ["cluster", "school"]
