"""SEN spend pages (R21). Thin: check the role, scope the school (another school's is a 404),
call one selector or service, render or export.

School business managers: their schools' spend, recording or changing it. LA officers: every
school's, recording for any school, importing a file. Anyone else gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from funding.reports import exports as report_exports
from funding.spend import exports, selectors, services
from funding.spend.filters import SpendSchoolFilter
from funding.spend.forms import SpendForm, SpendImportForm
from funding.spend.tables import SpendSchoolTable
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear
from schools.importing import ImportRejected
from schools.roles import is_la_officer


class SpendUserMixin(LoginRequiredMixin, UserPassesTestMixin):
    """LA officers and school business managers; panel members and cluster hosts get 403."""

    def test_func(self) -> bool:
        return selectors.may_record_spend(self.request.user)


class SpendListView(SpendUserMixin, SingleTableMixin, FilterView):
    template_name = "spend/index.html"
    filterset_class = SpendSchoolFilter
    table_class = SpendSchoolTable
    table_pagination = {"per_page": 50}

    @cached_property
    def fy(self) -> int:
        raw = self.request.GET.get("fy", "")
        years = {value for value, _ in selectors.year_choices()}
        return int(raw) if raw in years else selectors.default_year()

    def get_queryset(self):
        return selectors.schools_with_spend(self.request.user, self.fy)

    def get_table_kwargs(self):
        return {"fy": self.fy}

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("_export")
        if fmt:
            filterset = self.get_filterset(self.get_filterset_class())
            schools = filterset.qs if filterset.is_valid() else self.get_queryset()
            return report_exports.download(
                exports.spend_dataset(schools, self.fy), fmt, f"sen-spend-{FinancialYear(self.fy)}"
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "fy": FinancialYear(self.fy),
            "years": selectors.year_choices(),
            "is_la_officer": is_la_officer(self.request.user),
        }


class SpendRecordView(SpendUserMixin, FormView):
    """Record or change one school's SEN spend for a year."""

    template_name = "spend/record.html"
    form_class = SpendForm

    @cached_property
    def school(self):
        school = selectors.school_for(self.request.user, self.kwargs["urn"])
        if school is None:
            raise Http404("No such school")
        return school

    @cached_property
    def fy(self) -> FinancialYear:
        if not 2000 <= self.kwargs["fy"] <= 2099:
            raise Http404("No such financial year")
        return FinancialYear(self.kwargs["fy"])

    @cached_property
    def spend(self):
        return selectors.spend_of(self.school, self.fy.start_year)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.test_func():
            self.school, self.fy  # noqa: B018 - 404 before anything else
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        s = self.spend
        if s is None:
            return {}
        return {
            "amount": s.amount,
            "staffing": s.staffing,
            "resources": s.resources,
            "other": s.other,
            "note": s.note,
        }

    def get_context_data(self, **kwargs):
        history = []
        if self.spend is not None:
            history = list(self.spend.history.select_related("history_user")[:10])
        return {
            **super().get_context_data(**kwargs),
            "school": self.school,
            "fy": self.fy,
            "spend": self.spend,
            "history": history,
            "is_la_officer": is_la_officer(self.request.user),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.sen_spend_record(
                school=self.school,
                financial_year=self.fy.start_year,
                amount=data["amount"],
                staffing=data.get("staffing"),
                resources=data.get("resources"),
                other=data.get("other"),
                note=data.get("note", ""),
                user=self.request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"SEN spend for {self.school.name}, FY {self.fy}, saved: £{data['amount']:,.2f}.",
        )
        return redirect(f"{reverse('spend:index')}?fy={self.fy.start_year}")


class SpendImportView(LAOfficerRequiredMixin, FormView):
    template_name = "spend/import.html"
    form_class = SpendImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = services.sen_spend_import(
                content=upload.read(), filename=upload.name, user=self.request.user
            )
        except ImportRejected as rejected:
            from schools.import_views import rejected_context

            context = self.get_context_data(form=form) | rejected_context(
                kind="spend", filename=upload.name, user=self.request.user, rejected=rejected
            )
            return render(self.request, self.template_name, context, status=422)
        messages.success(self.request, f"{upload.name} imported. {result.summary()}")
        return redirect("spend:import")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "columns": services.COLUMNS}
