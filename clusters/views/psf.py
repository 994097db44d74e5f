"""Pupil Specific Funding (R15-R17), LA officers only: the 7-year forecast of PSF protected and
released, and the pupils with PSF today.
"""

from __future__ import annotations

from django.utils import timezone
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from clusters import selectors
from clusters.tables import ForecastTable, MoneyColumn, PsfPupilTable
from clusters.views.base import EXPORT_FORMATS, _fy_param, _year_choices
from schools.access import LAOfficerRequiredMixin
from schools.exports import ExportMixin


class PsfForecastView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """PSF still protected and released, per school and in total, for 7 financial years."""

    template_name = "clusters/psf_forecast.html"
    table_class = ForecastTable
    export_formats = EXPORT_FORMATS

    def get_export_filename(self, export_format):
        return f"psf-forecast-{self.forecast.years[0].start_year}.{export_format}"

    def get_forecast(self):
        if not hasattr(self, "forecast"):
            self.forecast = selectors.psf_forecast(_fy_param(self.request))
        return self.forecast

    def get_table_data(self):
        forecast = self.get_forecast()
        rows = []
        for school in forecast.schools:
            row = {
                "school": school.school_name,
                "urn": school.urn,
                "pupils": school.pupils,
                "baseline": school.baseline,
            }
            for year in school.years:
                row[f"protected_{year.fy.start_year}"] = year.protected
                row[f"released_{year.fy.start_year}"] = year.released
            rows.append(row)
        total = {
            "school": "Total",
            "urn": "",
            "pupils": forecast.pupils,
            "baseline": forecast.baseline,
            "is_total": True,
        }
        for year in forecast.totals:
            total[f"protected_{year.fy.start_year}"] = year.protected
            total[f"released_{year.fy.start_year}"] = year.released
        if rows:
            rows.append(total)
        return rows

    def get_table_kwargs(self):
        columns = []
        for fy in self.get_forecast().years:
            columns.append(
                (f"protected_{fy.start_year}", MoneyColumn(verbose_name=f"Protected {fy}"))
            )
            columns.append(
                (f"released_{fy.start_year}", MoneyColumn(verbose_name=f"Released {fy}"))
            )
        return {"extra_columns": columns}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        forecast = self.get_forecast()
        context["forecast"] = forecast
        context["years"] = _year_choices(forecast.years[0])
        context["fy"] = forecast.years[0]
        context["rule_rows"] = [
            (rule, amounts) for rule, amounts in sorted(forecast.released_by_rule.items())
        ]
        return context


class PsfPupilsView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """Pupils with PSF today: how much a year, when it ends and why."""

    template_name = "clusters/psf_pupils.html"
    table_class = PsfPupilTable
    export_formats = EXPORT_FORMATS
    export_name = "psf-pupils"

    def get_table_data(self):
        rows, self.note = selectors.psf_pupils()
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["note"] = self.note
        context["today"] = timezone.localdate()
        return context
