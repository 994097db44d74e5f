"""SEN Panel pages outside the admin: meetings with their agenda and attendance, case packs,
the decision form, the decision letter and the pupil's audit trail.

Thin views: scope with the selectors, write through the services, render. Anyone who may not see
a record gets a 404; an LA officer may read the panel's pages, and only SEN Panel members record
attendance and decisions (others get a 403). Nothing here deletes.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, TemplateView
from django_tables2 import SingleTableMixin

from funding.panel import selectors, services
from funding.panel.forms import AttendanceForm, DecisionPageForm
from funding.panel.models import MeetingStatus, PanelCase, PanelMeeting
from funding.panel.tables import PupilHistoryTable
from pupils.models import Pupil
from schools.exports import ExportMixin
from schools.models import LocalAuthority
from schools.roles import is_panel_member


class DecisionLetterView(LoginRequiredMixin, DetailView):
    """The printable letter to the school: LA officers, panel members and the school's own
    business managers; a 404 for everyone else."""

    template_name = "panel/decision_letter.html"
    context_object_name = "decision"

    def get_queryset(self):
        return selectors.decisions_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        decision = self.object
        context["administering_la"] = LocalAuthority.objects.filter(is_administering=True).first()
        context["members_present"] = decision.meeting.members_present.order_by(
            "last_name", "first_name"
        )
        context["can_read_history"] = selectors.can_read_panel_records(self.request.user)
        if context["can_read_history"]:
            context["back_url"] = reverse("panel:case", kwargs={"pk": decision.case_id})
            context["back_label"] = "Back to the case"
        else:  # the school's own business manager
            context["back_url"] = reverse(
                "schools:detail", kwargs={"urn": decision.case.school.urn}
            )
            context["back_label"] = f"Back to {decision.case.school.name}"
        if decision.support_level_id:
            available, top_up = selectors.current_top_up(
                decision.case.pupil, on=decision.effective_from
            )
            context["top_up"] = top_up if available else None
        return context


class HistoryFilterForm(forms.Form):
    record_type = forms.ChoiceField(
        label="Show changes to",
        required=False,
        choices=[("", "Everything"), *selectors.RECORD_TYPES.items()],
    )


class PupilHistoryView(LoginRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """Who changed this pupil's band, when, and on what decision (LA officers, panel members)."""

    template_name = "panel/pupil_history.html"
    table_class = PupilHistoryTable
    table_pagination = {"per_page": 50}
    export_formats = ("csv", "xlsx")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.can_read_panel_records(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_pupil(self) -> Pupil:
        if not hasattr(self, "_pupil"):
            self._pupil = get_object_or_404(Pupil, upn=self.kwargs["upn"].upper())
        return self._pupil

    def get_form(self) -> HistoryFilterForm:
        form = HistoryFilterForm(self.request.GET or None)
        form.is_valid()
        return form

    def get_table_data(self):
        entries = selectors.pupil_history(self.get_pupil())
        form = self.get_form()
        wanted = form.cleaned_data.get("record_type") if form.is_bound else ""
        if wanted:
            label = selectors.RECORD_TYPES[wanted]
            entries = [e for e in entries if e.record_type == label]
        return entries

    def get_export_filename(self, export_format):
        return f"history-{self.get_pupil().upn}.{export_format}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pupil"] = self.get_pupil()
        context["form"] = self.get_form()
        return context


# --- the panel's own pages -----------------------------------------------------------------------


class PanelReadMixin(LoginRequiredMixin):
    """LA officers and SEN Panel members read the panel's pages; anyone else gets a 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.can_read_panel_records(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_panel_member"] = is_panel_member(self.request.user)
        return context


class PanelWriteMixin(PanelReadMixin):
    """Only SEN Panel members record attendance and decisions (an LA officer gets a 403)."""

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and selectors.can_read_panel_records(request.user)
            and not is_panel_member(request.user)
        ):
            raise PermissionDenied(services.ONLY_PANEL_MEMBERS_DECIDE)
        return super().dispatch(request, *args, **kwargs)


class MeetingListView(PanelReadMixin, TemplateView):
    template_name = "panel/meetings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["meetings"] = selectors.meetings_list()
        context["open_count"] = selectors.open_cases().count()
        return context


class MeetingDetailView(PanelReadMixin, TemplateView):
    """A meeting: its agenda (the cases listed), who attended and the decisions made there."""

    template_name = "panel/meeting.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = get_object_or_404(PanelMeeting, pk=self.kwargs["pk"])
        context.update(
            meeting=meeting,
            cases=selectors.cases_for_meeting(meeting),
            decisions=selectors.decisions_at_meeting(meeting),
            members=meeting.members_present.order_by("last_name", "first_name", "username"),
            can_decide_here=meeting.status == MeetingStatus.HELD
            and meeting.members_present.exists(),
            is_closed=meeting.status == MeetingStatus.CLOSED,
        )
        return context


class MeetingAttendanceView(PanelWriteMixin, FormView):
    """The clerk records who attended and marks the meeting held (`meeting_record_attendance`)."""

    template_name = "panel/attendance.html"
    form_class = AttendanceForm

    def get_meeting(self) -> PanelMeeting:
        if not hasattr(self, "_meeting"):
            self._meeting = get_object_or_404(PanelMeeting, pk=self.kwargs["pk"])
        return self._meeting

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        meeting = self.get_meeting()
        kwargs["members"] = selectors.panel_members()
        if self.request.method == "GET":
            kwargs["initial"] = {
                "members_present": list(meeting.members_present.all()),
                "held": "yes" if meeting.status == MeetingStatus.HELD else None,
            }
        return kwargs

    def form_valid(self, form):
        meeting = self.get_meeting()
        try:
            services.meeting_record_attendance(
                meeting=meeting,
                user=self.request.user,
                members_present=form.cleaned_data["members_present"],
                held=form.cleaned_data["held"],
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Attendance recorded for the {meeting}.")
        return redirect("panel:meeting", pk=meeting.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["meeting"] = self.get_meeting()
        return context


class CaseListView(PanelReadMixin, TemplateView):
    """Cases, all or filtered: `?status=open` is exactly the home page's count."""

    template_name = "panel/cases.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        if status not in selectors.CASE_FILTERS:
            status = ""
        context.update(
            cases=selectors.case_list(status),
            status=status,
            heading=selectors.CASE_FILTERS[status][0] if status else "All cases",
            filters=[
                (key, label, reverse("panel:cases") + f"?status={key}")
                for key, (label, _q) in selectors.CASE_FILTERS.items()
            ],
        )
        return context


def _case(pk) -> PanelCase:
    return get_object_or_404(
        PanelCase.objects.select_related("pupil", "school", "meeting", "submitted_by"), pk=pk
    )


class CasePackView(PanelReadMixin, TemplateView):
    """The case pack: pupil, plan, current support and money, earlier decisions, evidence."""

    template_name = "panel/case.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = _case(self.kwargs["pk"])
        pack = selectors.case_pack(case)
        meeting = case.meeting
        context.update(
            case=case,
            pack=pack,
            ready_to_decide=case.is_open
            and meeting is not None
            and meeting.status == MeetingStatus.HELD
            and meeting.members_present.exists(),
        )
        return context


class DecisionView(PanelWriteMixin, FormView):
    """Record the panel's decision on a case (`decision_record`): no outcome is chosen for the
    panel, and the service refuses a meeting that is not held with members present."""

    template_name = "panel/decide.html"
    form_class = DecisionPageForm

    def get_case(self) -> PanelCase:
        if not hasattr(self, "_case"):
            self._case = _case(self.kwargs["pk"])
        return self._case

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["case"] = self.get_case()
        kwargs.pop("initial", None)  # the case's ask, never an outcome (DecisionForm.initial_for)
        return kwargs

    def form_valid(self, form):
        case = self.get_case()
        try:
            decision = services.decision_record(
                case=case, user=self.request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Decision recorded on case {case.reference}: {decision.get_outcome_display()}.",
        )
        return redirect("panel:decision_letter", pk=decision.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        context["case"] = case
        blocked = None
        if not case.is_open:
            blocked = services.CASE_DECIDED.format(status=case.get_status_display().lower())
        elif case.meeting is None:
            blocked = services.CASE_NOT_LISTED
        elif case.meeting.status != MeetingStatus.HELD:
            blocked = services.MEETING_NOT_MARKED_HELD.format(date=case.meeting.date)
        elif not case.meeting.members_present.exists():
            blocked = services.NO_MEMBERS_PRESENT.format(date=case.meeting.date)
        context["blocked"] = blocked
        return context
