"""The SEN Panel in the Django admin, built for the panel clerk.

A meeting page lists its cases with a compact summary of each pupil (plan, support, top-up,
earlier decisions) and the decisions made there. Cases are added and corrected through the case
services; decisions are recorded on a case's "Record decision" page or with the admin actions
"approve as requested" and "defer to next meeting", each calling a service that checks the
user is a SEN Panel member. Decisions are never edited: they are the record. Every object shows
its full history (django-simple-history); reverting from history is switched off so no change
bypasses the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Count, Q, Value
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from funding.panel import selectors, services
from funding.panel.forms import (
    CASE_FORM_FIELDS,
    DecisionForm,
    PanelCaseAdminForm,
    add_service_errors,
)
from funding.panel.models import CaseStatus, PanelCase, PanelDecision, PanelMeeting
from schools.admin_history import HistoryAdmin
from schools.roles import PANEL_MEMBER, is_la_officer, is_panel_member

NO_REVERT = "Past versions cannot be restored here: record a new case or decision instead."


class _HistoryReadOnlyMixin:
    """Show every object's history, but never save an old version over the current one."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(NO_REVERT)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _can_decide(request) -> bool:
    return is_panel_member(request.user) and request.user.has_perm("panel.add_paneldecision")


def _summary_html(summary: selectors.PupilSummary, pupil) -> str:
    plan = summary.plan
    if plan is None:
        plan_text = "No plan in force"
    else:
        plan_text = f"{plan.get_kind_display()} issued {plan.issued_on:%d %b %Y}"
        if plan.annual_review_due:
            plan_text += f", review due {plan.annual_review_due:%d %b %Y}"
    support = summary.support
    support_text = (
        f"{support.summary} since {support.effective_from:%d %b %Y}" if support else "None"
    )
    decisions = format_html_join(
        "",
        '<li><a href="{}">{}</a> {}: {}</li>',
        (
            (
                reverse("admin:panel_paneldecision_change", args=[d.pk]),
                d.case.reference,
                f"{d.meeting.date:%d %b %Y}",
                d.get_outcome_display(),
            )
            for d in summary.decisions[:5]
        ),
    )
    return format_html(
        '<dl class="panel-summary">'
        "<dt>Plan</dt><dd>{}</dd>"
        "<dt>Support</dt><dd>{}</dd>"
        "<dt>Top-up</dt><dd>{}</dd>"
        "<dt>Decisions</dt><dd>{}</dd>"
        '</dl><a href="{}">Full history</a>',
        plan_text,
        support_text,
        summary.top_up_text,
        format_html("<ul>{}</ul>", decisions) if summary.decisions else "None",
        reverse("panel:pupil_history", args=[pupil.upn]),
    )


# --- meetings ----------------------------------------------------------------------------------


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


# --- cases -------------------------------------------------------------------------------------


@admin.register(PanelCase)
class PanelCaseAdmin(_HistoryReadOnlyMixin, HistoryAdmin):
    form = PanelCaseAdminForm
    list_display = [
        "reference",
        "pupil",
        "school",
        "kind",
        "asked",
        "meeting",
        "status",
        "submitted_by",
        "submitted_at",
    ]
    list_filter = [
        ("meeting", admin.RelatedOnlyFieldListFilter),
        "kind",
        "status",
        ("school", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["pupil", "school", "meeting", "submitted_by"]
    search_fields = ["pupil__upn", "pupil__family_name", "pupil__given_name", "school__name"]
    autocomplete_fields = ["pupil", "school"]
    readonly_fields = [
        "status",
        "submitted_by_name",
        "submitted_at",
        "pupil_summary",
        "decision_history",
    ]
    actions = ["approve_as_requested", "defer_to_next_meeting"]
    change_form_template = "admin/panel/panelcase/change_form.html"

    class Media:
        css = {"all": ["panel/admin.css"]}

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["meeting", "pupil", "school", "kind"]}),
            (
                "What is asked",
                {
                    "fields": [
                        ("requested_lsa_hours", "requested_lst_hours", "requested_ta_hours"),
                        "requested_band",
                        "requested_amount",
                        ("requested_from", "requested_until"),
                        "enf_ground",
                    ],
                    "description": "Hours, a band or an annual amount. Only a personal "
                    "supplement or ENF has an end date. ENF names its ground (short-term "
                    "intervention, crisis funding, or need outside the usual cohort) and lasts "
                    "no longer than that ground's limit in the scheme (R9).",
                },
            ),
            (None, {"fields": ["evidence_summary"]}),
        ]
        if obj is not None:
            fieldsets.append(
                (
                    "Status",
                    {
                        "fields": [
                            "status",
                            ("submitted_by_name", "submitted_at"),
                            "pupil_summary",
                            "decision_history",
                        ]
                    },
                )
            )
        return fieldsets

    def has_add_permission(self, request):
        return super().has_add_permission(request) and is_la_officer(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return False  # a decided case is a record
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.decisions.exists():
            return False
        return super().has_delete_permission(request, obj)

    def has_decide_permission(self, request):
        return _can_decide(request)

    @admin.display(description="Submitted by")
    def submitted_by_name(self, obj):
        # A name, not a link to the user admin, which panel members cannot open (issue 16).
        return _user_name(obj.submitted_by)

    def save_model(self, request, obj, form, change):
        data = {n: form.cleaned_data[n] for n in CASE_FORM_FIELDS if n in form.cleaned_data}
        if change:
            changes = {name: data[name] for name in form.changed_data if name in data}
            changes.pop("pupil", None)  # the pupil of a case does not change
            saved = services.case_update(case=obj, user=request.user, **changes)
        else:
            saved = services.case_submit(user=request.user, **data)
        # The admin logs and redirects with the object it passed in: point it at the saved row.
        for model_field in PanelCase._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(saved, model_field.attname))
        obj._state.adding = False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("pupil")
        return fields

    @admin.display(description="Reference", ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description="Asked for")
    def asked(self, obj):
        return obj.asked_summary

    @admin.display(description="Pupil summary")
    def pupil_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        summary = selectors.pupil_summaries([obj.pupil])[obj.pupil_id]
        return _summary_html(summary, obj.pupil)

    @admin.display(description="Decisions on this case")
    def decision_history(self, obj):
        decisions = obj.decisions.select_related("meeting", "decided_by").order_by("decided_at")
        if not decisions:
            return "None yet"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li>{}: {} by {} — <a href="{}">letter</a></li>',
                (
                    (
                        d.meeting,
                        d.get_outcome_display(),
                        _user_name(d.decided_by),
                        reverse("panel:decision_letter", args=[d.pk]),
                    )
                    for d in decisions
                ),
            ),
        )

    # --- actions: each calls a service; failures are reported per case ---

    @admin.action(description="Approve as requested", permissions=["decide"])
    def approve_as_requested(self, request, queryset):
        self._act(request, queryset, services.case_approve_as_requested, "approved as requested")

    @admin.action(description="Defer to next meeting", permissions=["decide"])
    def defer_to_next_meeting(self, request, queryset):
        self._act(request, queryset, services.case_defer_to_next_meeting, "deferred")

    def _act(self, request, queryset, service, done_text):
        done = []
        for case in queryset.select_related("pupil").order_by("pk"):
            try:
                service(case=case, user=request.user)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            except ValidationError as exc:
                self.message_user(
                    request, f"{case.reference}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                done.append(case.reference)
        if done:
            self.message_user(
                request, f"{len(done)} case(s) {done_text}: {', '.join(done)}.", messages.SUCCESS
            )

    # --- the "Record decision" page ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="panel_panelcase_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        if not _can_decide(request):
            raise PermissionDenied(services.ONLY_PANEL_MEMBERS_DECIDE)
        case = get_object_or_404(
            PanelCase.objects.select_related("pupil", "school", "meeting"), pk=object_id
        )
        change_url = reverse("admin:panel_panelcase_change", args=[case.pk])
        if not case.is_open:
            self.message_user(
                request, f"{case.reference} has already been decided.", messages.WARNING
            )
            return HttpResponseRedirect(change_url)
        form = DecisionForm(request.POST or None, case=case)
        if request.method == "POST" and form.is_valid():
            try:
                decision = services.decision_record(
                    case=case, user=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    format_html(
                        '{}: {}. <a href="{}">Decision letter</a>',
                        case.reference,
                        decision.get_outcome_display(),
                        reverse("panel:decision_letter", args=[decision.pk]),
                    ),
                    messages.SUCCESS,
                )
                if case.meeting_id:
                    return HttpResponseRedirect(
                        reverse("admin:panel_panelmeeting_change", args=[case.meeting_id])
                    )
                return HttpResponseRedirect(change_url)
        fieldsets = [
            (None, {"fields": ["outcome"]}),
            (
                "What is granted (approvals only)",
                {
                    "fields": [
                        ("granted_lsa_hours", "granted_lst_hours", "granted_ta_hours"),
                        "granted_band",
                        "granted_amount",
                        *(["enf_ground"] if "enf_ground" in form.fields else []),
                        ("effective_from", "end_date"),
                    ]
                },
            ),
            (None, {"fields": ["reasons", "deferred_to"]}),
        ]
        admin_form = helpers.AdminForm(form, fieldsets, {})
        summary = selectors.pupil_summaries([case.pupil])[case.pupil_id]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Record the panel's decision on {case.reference}",
            "opts": self.model._meta,
            "case": case,
            "adminform": admin_form,
            "form": form,
            "errors": helpers.AdminErrorList(form, []),
            "media": self.media + admin_form.media,
            "pupil_summary": _summary_html(summary, case.pupil),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/panel/panelcase/decide.html", context)


# --- decisions ---------------------------------------------------------------------------------


@admin.register(PanelDecision)
class PanelDecisionAdmin(_HistoryReadOnlyMixin, HistoryAdmin):
    """Decisions are recorded through the services and never edited here."""

    list_display = [
        "reference",
        "pupil",
        "school",
        "kind",
        "outcome",
        "granted",
        "decided_by",
        "decided_at",
        "letter",
    ]
    list_filter = [
        ("meeting", admin.RelatedOnlyFieldListFilter),
        "case__kind",
        "outcome",
        ("case__school", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["case__pupil", "case__school", "meeting", "decided_by"]
    search_fields = ["case__pupil__upn", "case__pupil__family_name", "case__school__name"]
    date_hierarchy = "decided_at"
    fields = [
        "case",
        "meeting",
        "outcome",
        "granted",
        "enf_ground",
        "effective_from",
        "end_date",
        "reasons",
        "deferred_to",
        "decided_by_name",
        "decided_at",
        "plan",
        "previous_support_level",
        "support_level",
        "funding_item",
        "letter",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Decided by")
    def decided_by_name(self, obj):
        # A name, not a link to the user admin, which panel members cannot open (issue 16).
        return _user_name(obj.decided_by)

    @admin.display(description="Reference")
    def reference(self, obj):
        return obj.reference

    @admin.display(description="Pupil", ordering="case__pupil__family_name")
    def pupil(self, obj):
        return obj.case.pupil

    @admin.display(description="School", ordering="case__school__name")
    def school(self, obj):
        return obj.case.school.name

    @admin.display(description="Kind")
    def kind(self, obj):
        return obj.case.get_kind_display()

    @admin.display(description="Granted")
    def granted(self, obj):
        return obj.granted_summary or "—"

    @admin.display(description="Letter")
    def letter(self, obj):
        return format_html(
            '<a href="{}">Decision letter</a>', reverse("panel:decision_letter", args=[obj.pk])
        )
