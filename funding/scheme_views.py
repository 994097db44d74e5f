"""Pages where LA officers change a funding scheme: one group of figures, one rate at a time.

Thin views: the form validates, `funding.scheme_services` writes (reason, who and when in the
history). Anyone else who may read schemes sees no change links; the pages refuse them (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import DetailView, FormView

from funding import scheme_services, services
from funding.models import FundingScheme, HourlyRate, NotionalSenFactor, TaHoursBand
from funding.scheme_forms import (
    GROUPS_BY_SLUG,
    HourlyRateForm,
    SchemeCopyForm,
    SenFactorForm,
    TaBandForm,
    scheme_form_class,
)
from funding.scheme_selectors import scheme_changes
from schools.access import LAOfficerRequiredMixin
from schools.roles import LA_OFFICER, has_role


def can_change_schemes(user) -> bool:
    """LA officers (SEN and finance) maintain the scheme; system admins only read it here."""
    return user.is_authenticated and has_role(user, LA_OFFICER)


class SchemeEditorRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return can_change_schemes(self.request.user)


class _SchemeChangeView(SchemeEditorRequiredMixin, FormView):
    """Shared by every change page: the scheme, the form, the service, back to the scheme."""

    template_name = "funding/scheme_change.html"

    @cached_property
    def scheme(self) -> FundingScheme:
        # Looked up after the permission check (dispatch), so nobody else learns which exist.
        return get_object_or_404(FundingScheme.objects.select_related("la"), pk=self.kwargs["pk"])

    def get_instance(self):
        return self.scheme

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_instance()
        return kwargs

    def title(self) -> str:
        raise NotImplementedError

    def write(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.write(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.title()} changed.")
        return redirect("funding:scheme_detail", pk=self.scheme.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scheme"] = self.scheme
        context["title"] = self.title()
        return context


class SchemeGroupChangeView(_SchemeChangeView):
    @cached_property
    def group(self):
        if self.kwargs["group"] not in GROUPS_BY_SLUG:
            raise Http404("No such part of a scheme")
        return GROUPS_BY_SLUG[self.kwargs["group"]]

    def get_form_class(self):
        return scheme_form_class(self.group)

    def title(self) -> str:
        return self.group.title

    def write(self, form):
        scheme_services.scheme_update(
            scheme=self.scheme,
            values=form.values(),
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class _RowChangeView(_SchemeChangeView):
    model = None

    def get_instance(self):
        if not hasattr(self, "_row"):
            self._row = get_object_or_404(
                self.model, pk=self.kwargs["row"], scheme_id=self.scheme.pk
            )
        return self._row


class HourlyRateChangeView(_RowChangeView):
    model = HourlyRate
    form_class = HourlyRateForm

    def title(self) -> str:
        rate = self.get_instance()
        return f"{rate.get_phase_display()} {rate.get_role_display()} hourly rate"

    def write(self, form):
        scheme_services.hourly_rate_update(
            scheme=self.scheme,
            rate=self.get_instance(),
            values=form.values(),
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class TaBandChangeView(_RowChangeView):
    model = TaHoursBand
    form_class = TaBandForm

    def title(self) -> str:
        return f"TA hours band {self.get_instance()}"

    def write(self, form):
        scheme_services.ta_band_update(
            scheme=self.scheme,
            band=self.get_instance(),
            values=form.values(),
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class SenFactorChangeView(_RowChangeView):
    model = NotionalSenFactor
    form_class = SenFactorForm

    def title(self) -> str:
        return f"Notional SEN factor: {self.get_instance().get_factor_display()}"

    def write(self, form):
        scheme_services.sen_factor_update(
            scheme=self.scheme,
            factor=self.get_instance(),
            values=form.values(),
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class SchemeCopyView(SchemeEditorRequiredMixin, FormView):
    """Copy a scheme and its rate tables to another financial year (`services.scheme_copy`)."""

    template_name = "funding/scheme_copy.html"
    form_class = SchemeCopyForm

    @cached_property
    def scheme(self) -> FundingScheme:
        return get_object_or_404(FundingScheme.objects.select_related("la"), pk=self.kwargs["pk"])

    def get_initial(self):
        return {"financial_year": self.scheme.financial_year + 1}

    def form_valid(self, form):
        try:
            copy = services.scheme_copy(
                scheme=self.scheme,
                financial_year=form.cleaned_data["financial_year"],
                name=form.cleaned_data["name"],
                user=self.request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{copy.name} created for FY {copy.fy}: review every rate for the year."
        )
        return redirect("funding:scheme_detail", pk=copy.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(scheme=self.scheme, **kwargs)


class SchemeHistoryView(LAOfficerRequiredMixin, DetailView):
    """Every change to the scheme and its rate tables: when, who, why, before and after."""

    template_name = "funding/scheme_history.html"
    context_object_name = "scheme"

    def get_queryset(self):
        return FundingScheme.objects.select_related("la")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["changes"] = scheme_changes(self.object)
        return context
