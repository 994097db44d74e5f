"""SEN Panel pages outside the admin: the decision letter and the pupil's audit trail.

Thin views: scope with the selectors, render. Anyone who may not see a record gets a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView
from django_tables2 import SingleTableMixin

from funding.panel import selectors
from funding.panel.tables import PupilHistoryTable
from pupils.models import Pupil
from schools.exports import ExportMixin
from schools.models import LocalAuthority


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
