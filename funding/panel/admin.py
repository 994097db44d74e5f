"""The SEN Panel in the Django admin, built for the panel clerk.

A meeting page lists its cases with a compact summary of each pupil (plan, support, top-up,
earlier decisions) and the decisions made there. Cases are added and corrected through the case
services; decisions are recorded on a case's "Record decision" page or with the admin actions
"approve as requested" and "defer to next meeting", each calling a service that checks the
user is a SEN Panel member. Decisions are never edited: they are the record. Every object shows
its full history (django-simple-history); reverting from history is switched off so no change
bypasses the services.

The meeting page and the pieces every panel page shares are in `funding.panel.admin_meetings`,
imported here so that admin is registered with these.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from funding.panel import (
    admin_meetings,  # noqa: F401 - registers the meeting page first
    selectors,
    services,
)
from funding.panel.admin_shared import (
    _can_decide,
    _HistoryReadOnlyMixin,
    _summary_html,
    _user_name,
)
from funding.panel.forms import (
    CASE_FORM_FIELDS,
    DecisionForm,
    PanelCaseAdminForm,
    add_service_errors,
)
from funding.panel.models import PanelCase, PanelDecision
from schools.admin_history import HistoryAdmin
from schools.roles import is_la_officer

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
