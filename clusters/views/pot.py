"""The pot's division (R18): the year's pot divided among clusters, and setting the pot (LA
officers only).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from django_tables2 import SingleTableMixin

from clusters import selectors, services
from clusters.forms import PotForm
from clusters.tables import SharesTable
from clusters.views.base import EXPORT_FORMATS, ServiceFormMixin, _fy_param, _year_choices
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear
from schools.exports import ExportMixin


class SharesView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """The year's pot divided among clusters: fixed sum per school + amount per pupil."""

    template_name = "clusters/shares.html"
    table_class = SharesTable
    export_formats = EXPORT_FORMATS

    def get_export_filename(self, export_format):
        return f"cluster-shares-{self.fy.start_year}.{export_format}"

    def get_table_data(self):
        self.fy = _fy_param(self.request)
        self.pot = selectors.cluster_pot(self.fy)
        self.division = selectors.division(self.pot) if self.pot is not None else None
        if self.division is None or self.division.shares is None:
            return []
        return self.division.shares.shares

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            fy=self.fy, years=_year_choices(self.fy), pot=self.pot, division=self.division
        )
        return context


class PotEditView(LAOfficerRequiredMixin, ServiceFormMixin, FormView):
    form_class = PotForm
    submit_label = "Save the pot"

    def get_fy(self) -> FinancialYear:
        return FinancialYear(self.kwargs["fy"])

    def get_initial(self):
        pot = selectors.cluster_pot(self.get_fy())
        if pot is None:
            return {"fixed_sum_per_school": Decimal("0")}
        return {
            "base_amount": pot.base_amount,
            "psf_released": pot.psf_released,
            "fixed_sum_per_school": pot.fixed_sum_per_school,
            "roll_includes_nursery": pot.roll_includes_nursery,
            "roll_includes_sixth_form": pot.roll_includes_sixth_form,
            "census_on": pot.census_on,
            "members_on": pot.members_on,
            "notes": pot.notes,
        }

    def get_context_data(self, **kwargs):
        fy = self.get_fy()
        kwargs["title"] = f"Cluster pot for FY {fy}"
        estimate, note = selectors.psf_released_estimate(fy)
        kwargs["intro"] = (
            f"The pot is divided by a fixed sum per member school plus an amount per pupil on "
            f"roll (R18). The PSF forecast gives £{estimate:,.2f} released in FY {fy}. {note}"
        )
        return super().get_context_data(**kwargs)

    def call_service(self, form):
        return services.cluster_pot_save(
            financial_year=self.get_fy().start_year, user=self.request.user, **form.cleaned_data
        )

    def get_back_url(self):
        return reverse("clusters:shares") + f"?fy={self.get_fy().start_year}"

    def get_success_url(self):
        messages.success(self.request, f"Cluster pot for FY {self.get_fy()} saved.")
        return self.get_back_url()
