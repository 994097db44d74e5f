"""A cluster's meetings: the list and a year's framework, a meeting, and changing one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from django_tables2 import SingleTableMixin

from clusters import selectors, services
from clusters.forms import FrameworkForm, MeetingForm
from clusters.models import ClusterMeeting
from clusters.tables import MeetingTable
from clusters.views.base import ClusterMixin, ServiceFormMixin


class MeetingListView(ClusterMixin, SingleTableMixin, FormView):
    """The cluster's meetings; the host (or an LA officer) sets up a year's framework."""

    template_name = "clusters/meetings.html"
    table_class = MeetingTable
    form_class = FrameworkForm

    def get_table_data(self):
        return selectors.meetings(self.get_cluster())

    def post(self, request, *args, **kwargs):
        if not self.access.can_manage_meetings:
            raise PermissionDenied("Only the host or an LA officer arranges meetings.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            meetings = services.meeting_framework_create(
                cluster=self.get_cluster(),
                academic_year=form.cleaned_data["academic_year"],
                user=self.request.user,
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{len(meetings)} meetings set up for {meetings[0].academic_year_label}."
        )
        return redirect("clusters:meetings", pk=self.get_cluster().pk)


class MeetingMixin(ClusterMixin):
    def get_meeting(self) -> ClusterMeeting:
        if not hasattr(self, "_meeting"):
            self._meeting = get_object_or_404(
                ClusterMeeting.objects.filter(cluster=self.get_cluster()),
                pk=self.kwargs["meeting_pk"],
            )
        return self._meeting

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["meeting"] = self.get_meeting()
        return context


class MeetingDetailView(MeetingMixin, TemplateView):
    template_name = "clusters/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reviewed"] = list(
            selectors.requests_for(self.request.user, self.get_cluster(), self.access)
            .filter(meeting=self.get_meeting())
            .order_by("pk")
        )
        return context


class MeetingEditView(MeetingMixin, ServiceFormMixin, FormView):
    form_class = MeetingForm
    title = "Change the meeting"
    submit_label = "Save meeting"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.get_meeting()
            if not self.access.can_manage_meetings:
                raise PermissionDenied("Only the host or an LA officer changes meetings.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        m = self.get_meeting()
        return {
            "date": m.date,
            "session": m.session,
            "venue": m.venue,
            "status": m.status,
            "agenda": m.agenda,
            "minutes": m.minutes,
            "attendees": m.attendees,
        }

    def call_service(self, form):
        return services.meeting_update(
            meeting=self.get_meeting(), user=self.request.user, **form.cleaned_data
        )

    def get_back_url(self):
        return reverse(
            "clusters:meeting_detail", args=[self.get_cluster().pk, self.get_meeting().pk]
        )

    def get_success_url(self):
        messages.success(self.request, "Meeting saved.")
        return self.get_back_url()
