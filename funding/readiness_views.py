"""The first-run readiness checklist page for a chosen financial year."""

from __future__ import annotations

import datetime as dt

from django.views.generic import TemplateView

from funding.readiness import readiness, readiness_years
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear


class ReadinessView(LAOfficerRequiredMixin, TemplateView):
    template_name = "funding/readiness.html"

    def get_context_data(self, **kwargs):
        try:
            fy = FinancialYear(int(self.request.GET["fy"]))
        except (KeyError, ValueError):
            fy = FinancialYear.of(dt.date.today())
        if not 2000 <= fy.start_year <= 2100:
            fy = FinancialYear.of(dt.date.today())
        return super().get_context_data(
            fy=fy, lines=readiness(fy), years=readiness_years(fy), **kwargs
        )
