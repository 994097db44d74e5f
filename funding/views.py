"""Funding pages: runs (list, start, progress, detail, lines, comparison), schemes, and each
school's funding statement. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from funding import selectors, services
from funding.exports import lines_dataset, run_lines_dataset
from funding.filters import LineFilter, RunFilter
from funding.forms import RunStartForm
from funding.models import AllocationRun, FundingScheme, RunKind, RunStatus
from funding.scheme_selectors import dated_rate_changes
from funding.scheme_views import can_change_schemes
from funding.tables import ComparisonTable, LineTable, RunTable, SchoolTotalsTable
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear
from schools.exports import ExportMixin, download
from schools.models import EstablishmentType
from schools.roles import is_la_officer

EXPORT_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(data, fmt: str, filename: str) -> HttpResponse:
    return download(data, fmt, filename)


class RunListView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """Every allocation run, newest first, with filters and CSV/XLSX export."""

    template_name = "funding/runs.html"
    table_class = RunTable
    filterset_class = RunFilter
    export_formats = EXPORT_FORMATS
    export_name = "allocation-runs"
    table_pagination = {"per_page": 25}
    strict = False

    def get_queryset(self):
        return selectors.runs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_runs"] = list(selectors.active_runs().order_by("-created_at"))
        return context


class RunStartView(LAOfficerRequiredMixin, FormView):
    """Start a run: it is queued for the worker and the page shows its progress."""

    template_name = "funding/run_start.html"
    form_class = RunStartForm

    def form_valid(self, form):
        try:
            run = services.allocation_run_create(
                financial_year=form.cleaned_data["financial_year"],
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
                user=self.request.user,
                queue=True,
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            return self.form_invalid(form)
        messages.success(self.request, f"Run {run.pk} for FY {run.fy} started.")
        return redirect("funding:run_detail", pk=run.pk)


class RunDetailView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, DetailView):
    """A run: status and progress, totals by element, recoupment (R8), totals per school."""

    template_name = "funding/run_detail.html"
    context_object_name = "run"
    table_class = SchoolTotalsTable
    export_formats = EXPORT_FORMATS
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return selectors.runs()

    def get_export_filename(self, export_format):
        return f"run-{self.object.pk}-school-totals.{export_format}"

    def get_table_data(self):
        return selectors.school_totals(self.object)

    def get_table_kwargs(self):
        return {"financial_year": self.object.financial_year, "run_id": self.object.pk}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        if run.status == RunStatus.DONE:
            context["totals"] = selectors.run_totals(run)
            context["recoupment"] = selectors.recoupment(run)
            if run.kind != RunKind.INITIAL:
                context["initial"] = selectors.latest_run(run.financial_year, [RunKind.INITIAL])
        context["can_approve"] = (
            run.status == RunStatus.DONE
            and run.approved_at is None
            and run.created_by_id != self.request.user.pk
        )
        return context


class RunApproveView(LAOfficerRequiredMixin, View):
    """Approve a completed run (POST): someone other than who started it; then it never
    changes."""

    http_method_names = ["post"]

    def post(self, request, pk):
        run = get_object_or_404(AllocationRun, pk=pk)
        try:
            run = services.allocation_run_approve(run=run, user=request.user)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, f"Run {run.pk} approved: it can no longer change.")
        return redirect("funding:run_detail", pk=run.pk)


class RunProgressView(LAOfficerRequiredMixin, View):
    """The run's progress as JSON, for static/js/run-progress.js."""

    def get(self, request, pk):
        run = get_object_or_404(AllocationRun, pk=pk)
        return JsonResponse(
            {
                "status": run.status,
                "status_label": run.get_status_display(),
                "progress": run.progress,
                "message": run.progress_message,
                "finished": not run.is_active,
            }
        )


class RunLinesView(LAOfficerRequiredMixin, SingleTableMixin, FilterView):
    """Every line of a run with its rule and period; filters; CSV/XLSX of the filtered lines."""

    template_name = "funding/run_lines.html"
    table_class = LineTable
    filterset_class = LineFilter
    table_pagination = {"per_page": 50}
    strict = False

    def get_run(self) -> AllocationRun:
        if not hasattr(self, "_run"):
            self._run = get_object_or_404(selectors.runs(), pk=self.kwargs["pk"])
        return self._run

    def get_queryset(self):
        return selectors.run_lines(self.get_run())

    def get_table_kwargs(self):
        return {"financial_year": self.get_run().financial_year}

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("_export")
        if fmt:
            run = self.get_run()
            filterset = self.get_filterset(self.get_filterset_class())
            data = lines_dataset(filterset.qs, f"Run {run.pk} FY {run.fy}")
            return _download(data, fmt, f"run-{run.pk}-lines")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run"] = self.get_run()
        return context


class CompareView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """R21: the year's final (or revised) run against its initial run, per school and element."""

    template_name = "funding/compare.html"
    table_class = ComparisonTable
    export_formats = EXPORT_FORMATS
    table_pagination = {"per_page": 50}

    def runs(self):
        if not hasattr(self, "_runs"):
            fy = FinancialYear(self.kwargs["fy"])
            done = list(selectors.statement_runs(fy).select_related("created_by"))
            by_id = {r.pk: r for r in done}
            initial, final = selectors.default_comparison(fy)
            for name in ("initial", "final"):
                raw = self.request.GET.get(name, "")
                if raw.isdigit():
                    chosen = by_id.get(int(raw))
                    if chosen is None:
                        raise Http404("No such completed run in this year")
                    if name == "initial":
                        initial = chosen
                    else:
                        final = chosen
            self._runs = (fy, done, initial, final)
        return self._runs

    def get_export_filename(self, export_format):
        fy, _, initial, final = self.runs()
        if initial is None or final is None:
            return f"compare-{fy.label}.{export_format}"
        return f"compare-{initial.pk}-{final.pk}.{export_format}"

    def get_table_data(self):
        _, _, initial, final = self.runs()
        if initial is None or final is None:
            return []
        return selectors.compare_runs(initial, final)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fy, done, initial, final = self.runs()
        context.update(fy=fy, done_runs=done, initial=initial, final=final)
        rows = self.get_table_data()
        by_element: dict[str, list] = {}
        for row in rows:
            entry = by_element.setdefault(row.element, [row.label, 0, 0])
            entry[1] += row.initial
            entry[2] += row.final
        context["element_totals"] = [
            {"label": label, "initial": a, "final": b, "difference": b - a}
            for label, a, b in by_element.values()
        ]
        return context


class SchoolStatementsView(LoginRequiredMixin, TemplateView):
    """A school's funding statements by year (LA officers; the school's business managers)."""

    template_name = "funding/school_statements.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        school = selectors.statement_school(self.request.user, self.kwargs["urn"])
        if school is None:
            raise Http404("No such school")
        context["school"] = school
        context["years"] = [FinancialYear(y) for y in selectors.statement_years(school)]
        return context


class StatementView(LoginRequiredMixin, TemplateView):
    """A school's funding statement for a year: each element with its working, each pupil's
    top-up periods, totals. LA officers and that school's business managers only (else 404)."""

    template_name = "funding/statement.html"

    def get(self, request, *args, **kwargs):
        school = selectors.statement_school(request.user, kwargs["urn"])
        if school is None:
            raise Http404("No such school")
        fy = FinancialYear(kwargs["fy"])
        runs = list(selectors.statement_runs(fy))
        run = runs[0] if runs else None
        raw = request.GET.get("run", "")
        if raw:
            if not raw.isdigit():
                raise Http404("No such run")
            run = next((r for r in runs if r.pk == int(raw)), None)
            if run is None:
                raise Http404("No such completed run in this year")
        fmt = request.GET.get("_export")
        if fmt and run is not None:
            data = run_lines_dataset(run, school_id=school.pk)
            return _download(data, fmt, f"statement-{school.urn}-{fy.label}-run-{run.pk}")
        statement = selectors.school_statement(school, fy, run) if run else None
        comparison = []
        initial = None
        if run is not None and run.kind != RunKind.INITIAL:
            initial = next((r for r in runs if r.kind == RunKind.INITIAL), None)
            if initial is not None:
                comparison = selectors.compare_runs(initial, run, school=school)
        context = self.get_context_data(
            school=school,
            fy=fy,
            runs=runs,
            run=run,
            statement=statement,
            initial=initial,
            comparison=comparison,
            is_la_officer=is_la_officer(request.user),
        )
        return self.render_to_response(context)


class SchemeListView(LAOfficerRequiredMixin, ListView):
    template_name = "funding/schemes.html"
    context_object_name = "schemes"

    def get_queryset(self):
        return selectors.schemes().order_by("-financial_year", "la__name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_change"] = can_change_schemes(self.request.user)
        return context


class SchemeDetailView(LAOfficerRequiredMixin, DetailView):
    """Every figure and switch of a scheme, its rate tables and what a run would refuse."""

    template_name = "funding/scheme_detail.html"
    context_object_name = "scheme"

    def get_queryset(self):
        return FundingScheme.objects.select_related("la")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scheme = self.object
        context["errors"] = services.scheme_errors(scheme)
        context["sen_factors"] = list(scheme.sen_factors.all())
        context["hourly_rates"] = list(scheme.hourly_rates.all())
        context["ta_bands"] = list(scheme.ta_bands.all())
        context["rate_changes"] = dated_rate_changes(scheme)
        type_labels = dict(EstablishmentType.choices)
        context["formula_types"] = [
            type_labels.get(t, t).lower() for t in scheme.formula_establishment_types or []
        ]
        context["can_change"] = can_change_schemes(self.request.user)
        return context
