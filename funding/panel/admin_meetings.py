"""The SEN Panel meeting page in the Django admin.

A meeting page lists its cases, read-only, with a compact summary of each pupil (plan, support,
top-up, earlier decisions) and a link to record a decision on each open case, and the decisions
made there, each with its letter. Members present are chosen from the SEN Panel members. The
pieces it shares with the case and decision pages are in `funding.panel.admin_shared`;
`funding.panel.admin` imports this module, so the meeting admin is registered once, when the
admin is.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, Q, Value
from django.urls import reverse
from django.utils.html import format_html

from funding.panel import selectors
from funding.panel.admin_shared import (
    _can_decide,
    _HistoryReadOnlyMixin,
    _summary_html,
    _user_name,
)
from funding.panel.models import CaseStatus, PanelCase, PanelDecision, PanelMeeting
from schools.admin_history import HistoryAdmin
from schools.roles import PANEL_MEMBER, is_la_officer


class MeetingCaseInline(admin.TabularInline):
    """The meeting's cases, read-only, each with the pupil summary and a link to decide it."""

    model = PanelCase
    fk_name = "meeting"
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "case at this meeting"
    verbose_name_plural = "Cases at this meeting"
    fields = ["case", "school", "kind", "asked", "status", "pupil_summary", "record_decision"]
    readonly_fields = fields

    def get_queryset(self, request):
        self._can_decide = _can_decide(request)  # inline instances are made per request
        return super().get_queryset(request).select_related("pupil", "school")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Case")
    def case(self, obj):
        return f"{obj.reference}: {obj.pupil}"

    @admin.display(description="Asked for")
    def asked(self, obj):
        return obj.asked_summary

    @admin.display(description="Pupil summary")
    def pupil_summary(self, obj):
        cache = getattr(self, "_summaries", None)
        if cache is None or cache[0] != obj.meeting_id:
            cases = PanelCase.objects.filter(meeting_id=obj.meeting_id).select_related("pupil")
            pupils = list({c.pupil_id: c.pupil for c in cases}.values())
            cache = (obj.meeting_id, selectors.pupil_summaries(pupils))
            self._summaries = cache
        return _summary_html(cache[1][obj.pupil_id], obj.pupil)

    @admin.display(description="")
    def record_decision(self, obj):
        if not obj.is_open or not getattr(self, "_can_decide", False):
            return ""
        return format_html(
            '<a class="button" href="{}">Record decision</a>',
            reverse("admin:panel_panelcase_decide", args=[obj.pk]),
        )


class MeetingDecisionInline(admin.TabularInline):
    model = PanelDecision
    fk_name = "meeting"
    extra = 0
    can_delete = False
    verbose_name_plural = "Decisions made at this meeting"
    fields = ["case", "outcome", "granted", "decided_by_name", "decided_at", "letter"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case__pupil", "meeting", "decided_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Granted")
    def granted(self, obj):
        return obj.granted_summary or "—"

    @admin.display(description="Decided by")
    def decided_by_name(self, obj):
        return _user_name(obj.decided_by)

    @admin.display(description="Letter")
    def letter(self, obj):
        return format_html(
            '<a href="{}">Decision letter</a>', reverse("panel:decision_letter", args=[obj.pk])
        )


@admin.register(PanelMeeting)
class PanelMeetingAdmin(_HistoryReadOnlyMixin, HistoryAdmin):
    list_display = ["date", "status", "case_count", "open_case_count", "member_count"]
    list_filter = ["status"]
    date_hierarchy = "date"
    fields = ["date", "status", "members_present", "notes", "case_tools"]
    readonly_fields = ["case_tools"]
    inlines = [MeetingCaseInline, MeetingDecisionInline]

    class Media:
        css = {"all": ["panel/admin.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _cases=Count("cases", distinct=True),
                _open=Count("cases", filter=Q(cases__status__in=CaseStatus.open()), distinct=True),
                _members=Count("members_present", distinct=True),
                # Only LA officers add cases: nobody else is offered the link (issue 16).
                _can_add_case=Value(
                    self.has_add_case_permission(request), output_field=BooleanField()
                ),
            )
        )

    def has_add_case_permission(self, request) -> bool:
        return is_la_officer(request.user) and request.user.has_perm("panel.add_panelcase")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members_present":
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(Q(groups__name=PANEL_MEMBER) | Q(is_superuser=True), is_active=True)
                .distinct()
                .order_by("last_name", "first_name")
            )
            # Checkboxes, not filter_horizontal: Django's SelectFilter2.js puts aria-label on a
            # plain <span> (axe aria-prohibited-attr, serious), and the panel is a short list.
            kwargs["widget"] = forms.CheckboxSelectMultiple
            formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
            formfield.label_from_instance = _user_name
            return formfield
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="Cases", ordering="_cases")
    def case_count(self, obj):
        return obj._cases

    @admin.display(description="Awaiting decision", ordering="_open")
    def open_case_count(self, obj):
        return obj._open

    @admin.display(description="Members present", ordering="_members")
    def member_count(self, obj):
        return obj._members

    @admin.display(description="Cases")
    def case_tools(self, obj):
        if obj is None or obj.pk is None:
            return "Save the meeting, then list cases at it."
        changelist = reverse("admin:panel_panelcase_changelist")
        tools = format_html(
            '<a href="{}?meeting__id__exact={}">Act on these cases</a> '
            "(approve as requested, defer to next meeting)",
            changelist,
            obj.pk,
        )
        if getattr(obj, "_can_add_case", False):
            tools += format_html(
                ' · <a href="{}?meeting={}">Add a case at this meeting</a>',
                reverse("admin:panel_panelcase_add"),
                obj.pk,
            )
        return tools
