"""Report pages. Thin: check the role, scope the lookup (another school's report is a 404, an
LA-only page a 403), call one selector or service, render or export.

LA officers: the index, the initial and final reports (R21), the high-needs budget (R22), the
cross-border summary and statements and the import/export adjustment (R8), the per-school
list with its publishing. Schools (their business managers, and LA officers): their final
report and their governors' report. Anyone, without signing in: the published per-school
lists (school-level figures only, no pupil data).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import RequestConfig, SingleTableMixin

from funding.reports import exports, selectors, services
from funding.reports.dates import date_input_parts, date_param
from funding.reports.tables import (
    AnnexBTable,
    CountedPupilTable,
    CrossBorderTable,
    FinalReportTable,
    ImportExportTable,
    InitialReportTable,
    StatementTable,
)
from funding.spend import exports as spend_exports
from funding.spend import selectors as spend_selectors
from funding.spend.tables import AllocationSpendTable
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear
from schools.exports import ExportMixin
from schools.models import LocalAuthority
from schools.roles import is_la_officer, is_school_user

EXPORT_FORMATS = exports.EXPORT_FORMATS


def _fy(kwargs) -> FinancialYear:
    return FinancialYear(kwargs["fy"])


def _run_param(request, fy: FinancialYear, name: str = "run"):
    """A completed run of the year named in the query string (404 if it is not one)."""
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such run")
    run = selectors.done_runs(fy).filter(pk=int(raw)).select_related("scheme").first()
    if run is None:
        raise Http404("No such completed run in this year")
    return run


class IndexView(LoginRequiredMixin, TemplateView):
    """The reports by year for LA officers; a school business manager's own schools' reports."""

    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        if not (is_la_officer(user) or is_school_user(user)):
            raise PermissionDenied
        context = super().get_context_data(**kwargs)
        context["years"] = selectors.report_years()
        context["is_la_officer"] = is_la_officer(user)
        context["schools"] = selectors.schools_for(user)
        context["published"] = list(selectors.published_years())
        return context


# ---- two-stage monitoring (R21) ----------------------------------------------------------------


class InitialReportView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """Stage one: each school's initial allocation with and without plans, totals by phase and
    school type."""

    template_name = "reports/initial.html"
    table_class = InitialReportTable
    export_formats = EXPORT_FORMATS
    table_pagination = {"per_page": 50}

    def report(self):
        if not hasattr(self, "_report"):
            fy = _fy(self.kwargs)
            run = _run_param(self.request, fy) or selectors.initial_or_latest(fy)
            self._report = selectors.initial_report(run) if run is not None else None
        return self._report

    def get_export_filename(self, export_format):
        report = self.report()
        return f"initial-allocations-{report.run.fy.label}-run-{report.run.pk}.{export_format}"

    def get_table_data(self):
        report = self.report()
        return report.rows if report else []

    def get_table_kwargs(self):
        return {"fy": self.kwargs["fy"]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fy = _fy(self.kwargs)
        context.update(fy=fy, report=self.report(), runs=list(selectors.done_runs(fy)))
        return context


class FinalReportView(LAOfficerRequiredMixin, SingleTableMixin, TemplateView):
    """Stage two: every school's initial and final allocation by element with the difference
    and why, largest differences first (sortable); the export lists every change."""

    template_name = "reports/final.html"
    table_class = FinalReportTable
    table_pagination = {"per_page": 50}

    def runs(self):
        if not hasattr(self, "_runs"):
            fy = _fy(self.kwargs)
            for name in ("initial", "final"):
                _run_param(self.request, fy, name)  # 404 for a run not of this year
            self._runs = selectors.two_runs(
                fy, self.request.GET.get("initial"), self.request.GET.get("final")
            )
        return self._runs

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("_export")
        if fmt:
            initial, final = self.runs()
            if initial is None or final is None:
                raise Http404("No runs to compare")
            if request.GET.get("table") == "spend":
                report = spend_selectors.allocation_against_spend(initial, final)
                title = f"Allocation and spend FY {initial.fy}"
                return exports.download(
                    spend_exports.allocation_spend_dataset(report, title),
                    fmt,
                    f"allocation-against-spend-{initial.fy.label}-runs-{initial.pk}-{final.pk}",
                )
            rows = selectors.final_rows(initial, final)
            why = selectors.explain_changes(initial, final)
            data = exports.final_report_dataset(rows, why, f"Final report FY {initial.fy}")
            sheets = [data]
            if fmt != "csv":  # Excel also has the page's table, one row per school
                sheets.append(exports.final_by_school_dataset(selectors.school_rows(rows), why))
            return exports.download(
                sheets,
                fmt,
                f"final-report-{initial.fy.label}-runs-{initial.pk}-{final.pk}",
            )
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        if not hasattr(self, "_rows"):
            initial, final = self.runs()
            rows = [] if initial is None or final is None else selectors.final_rows(initial, final)
            self._all_rows = rows
            schools = selectors.school_rows(rows)
            if self.request.GET.get("changed"):
                schools = [r for r in schools if r.changed_elements]
            self._rows = schools
        return self._rows

    def get_table_kwargs(self):
        initial, final = self.runs()
        query = f"?initial={initial.pk}&final={final.pk}" if initial and final else ""
        return {"fy": self.kwargs["fy"], "query": query}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fy = _fy(self.kwargs)
        initial, final = self.runs()
        table = context["table"]
        if initial is not None and final is not None:
            shown = [row.record for row in table.paginated_rows]
            selectors.attach_reasons(shown, initial, final)
            totals = {}
            self.get_table_data()
            for row in self._all_rows:
                entry = totals.setdefault(row.element, [row.label, 0, 0])
                entry[1] += row.initial
                entry[2] += row.final
            context["element_totals"] = [
                {"label": label, "initial": a, "final": b, "difference": b - a}
                for element, (label, a, b) in sorted(
                    totals.items(), key=lambda kv: selectors.ELEMENT_ORDER.get(kv[0], 99)
                )
            ]
            all_initial = sum((t["initial"] for t in context["element_totals"]), selectors.ZERO)
            all_final = sum((t["final"] for t in context["element_totals"]), selectors.ZERO)
            context["element_total"] = {
                "initial": all_initial,
                "final": all_final,
                "difference": all_final - all_initial,
            }
            # R21: each school's allocation against the SEN spend it recorded (funding.spend).
            spend_report = spend_selectors.allocation_against_spend(initial, final)
            spend_table = AllocationSpendTable(
                spend_report.rows,
                totals=spend_report,
                fy=self.kwargs["fy"],
                query=f"?initial={initial.pk}&final={final.pk}",
                prefix="spend-",
            )
            RequestConfig(self.request, paginate={"per_page": 50}).configure(spend_table)
            context.update(spend_report=spend_report, spend_table=spend_table)
        context.update(fy=fy, initial=initial, final=final, runs=list(selectors.done_runs(fy)))
        return context


class SchoolReportMixin(LoginRequiredMixin):
    """School-facing pages: LA officers any school, a business manager their own (else 404)."""

    def get_school(self):
        if not hasattr(self, "_school"):
            school = selectors.school_for(self.request.user, self.kwargs["urn"])
            if school is None:
                raise Http404("No such school")
            self._school = school
        return self._school


class SchoolFinalReportView(SchoolReportMixin, TemplateView):
    """One school's initial and final allocation by element, and each pupil's in-year changes
    with their dates and amounts."""

    template_name = "reports/final_school.html"

    def get(self, request, *args, **kwargs):
        school = self.get_school()
        fy = _fy(kwargs)
        for name in ("initial", "final"):
            _run_param(request, fy, name)
        initial, final = selectors.two_runs(
            fy, request.GET.get("initial"), request.GET.get("final")
        )
        report = None
        if initial is not None and final is not None:
            report = selectors.school_final_report(school, initial, final)
            fmt = request.GET.get("_export")
            if fmt:
                data = exports.final_report_dataset(
                    report.rows,
                    {(school.pk, e): w for e, w in report.why.items()},
                    f"{school.urn} FY {fy}",
                )
                return exports.download(data, fmt, f"final-report-{school.urn}-{fy.label}")
        spend = None
        if report is not None:  # R21: the school's SEN allocation against its SEN spend
            spend = spend_selectors.school_allocation_against_spend(school, initial, final)
        context = self.get_context_data(
            school=school,
            fy=fy,
            initial=initial,
            final=final,
            report=report,
            spend=spend,
            is_la_officer=is_la_officer(request.user),
        )
        return self.render_to_response(context)


class GovernorsReportView(SchoolReportMixin, TemplateView):
    """The school's SEN funding for its governing body: printable, CSV and Excel; pupils by
    initials and year group only."""

    template_name = "reports/governors.html"

    def get(self, request, *args, **kwargs):
        school = self.get_school()
        fy = _fy(kwargs)
        report = selectors.governors_report(school, fy)
        fmt = request.GET.get("_export")
        if fmt:
            return exports.download(
                exports.governors_dataset(report), fmt, f"governors-sen-{school.urn}-{fy.label}"
            )
        return self.render_to_response(self.get_context_data(report=report, school=school, fy=fy))


# ---- the high-needs budget (R22) ---------------------------------------------------------------


class BudgetView(LAOfficerRequiredMixin, TemplateView):
    """Budget vs commitment vs forecast per line with the variance, charts with their tables,
    the monthly snapshots and when the pressure appeared."""

    template_name = "reports/budget.html"

    def get(self, request, *args, **kwargs):
        fy = _fy(kwargs)
        as_of, error = date_param(request, "as_of", "The forecast date")
        if as_of is not None and not fy.contains(as_of):
            as_of, error = None, f"Choose a date in FY {fy} (1 April to 31 March)."
        position = selectors.budget_position(fy, as_of=as_of)
        fmt = request.GET.get("_export")
        if fmt:
            if request.GET.get("table") == "months":
                data = exports.budget_months_dataset(position)
                return exports.download(data, fmt, f"high-needs-by-month-{fy.label}")
            return exports.download(
                exports.budget_dataset(position), fmt, f"high-needs-budget-{fy.label}"
            )
        trend = selectors.budget_trend(fy)
        context = self.get_context_data(
            fy=fy,
            position=position,
            total=position.total,
            trend=trend,
            chart_data=position.chart_data(),
            trend_data=trend.chart_data(),
            as_of_error=error,
            as_of_parts=date_input_parts(request, "as_of", None if error else as_of),
        )
        return self.render_to_response(context)


class BudgetSnapshotView(LAOfficerRequiredMixin, View):
    """POST: keep this month's budget position now (replaces this month's snapshot)."""

    def post(self, request, fy):
        fy = FinancialYear(fy)
        on = min(max(timezone.localdate(), fy.starts_on), fy.ends_on)
        try:
            snapshot = services.budget_snapshot_take(financial_year=fy.start_year, on=on)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Snapshot for {snapshot.month:%B %Y} saved.")
        return redirect("reports:budget", fy=fy.start_year)


# ---- cross-border (R8) -------------------------------------------------------------------------


class CrossBorderView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """Per other LA: what we charge them for their pupils in our schools, what we pay them for
    ours in theirs, and links to each statement."""

    template_name = "reports/cross_border.html"
    table_class = CrossBorderTable
    export_formats = EXPORT_FORMATS
    table_pagination = False

    def run(self):
        if not hasattr(self, "_run"):
            fy = _fy(self.kwargs)
            self._run = _run_param(self.request, fy) or selectors.engine.latest_run(fy)
        return self._run

    def get_export_filename(self, export_format):
        return f"cross-border-{self.run().fy.label}-run-{self.run().pk}.{export_format}"

    def get_table_data(self):
        run = self.run()
        return selectors.cross_border_summary(run) if run else []

    def get_table_kwargs(self):
        return {"fy": self.kwargs["fy"], "run": self.run()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fy = _fy(self.kwargs)
        rows = self.get_table_data()
        context.update(
            fy=fy,
            run=self.run(),
            runs=list(selectors.done_runs(fy)),
            charge_total=sum((r.charge for r in rows), selectors.ZERO),
            pay_total=sum((r.pay for r in rows), selectors.ZERO),
        )
        context["net_total"] = context["charge_total"] - context["pay_total"]
        return context


class CrossBorderStatementView(LAOfficerRequiredMixin, SingleTableMixin, TemplateView):
    """A statement for one LA and one billing period: each pupil's periods and working."""

    template_name = "reports/cross_border_statement.html"
    table_class = StatementTable
    table_pagination = {"per_page": 100}

    def statement(self):
        if not hasattr(self, "_statement"):
            fy = _fy(self.kwargs)
            direction = self.kwargs["direction"]
            if direction not in (selectors.CHARGE, selectors.PAY):
                raise Http404("No such statement")
            la = get_object_or_404(LocalAuthority, code=self.kwargs["la_code"])
            if la.is_administering:
                raise Http404("No such statement")
            run = _run_param(self.request, fy) or selectors.engine.latest_run(fy)
            if run is None:
                raise Http404("No completed run this year")
            period = self.request.GET.get("period", "year")
            self._statement = selectors.cross_border_statement(run, la, direction, period)
        return self._statement

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("_export")
        if fmt:
            statement = self.statement()
            dataset = exports.table_sheet(StatementTable(statement.lines), title="Statement")
            name = (
                f"{statement.direction}-{statement.la.code}-{statement.run.fy.label}-"
                f"{statement.period[0]}-run-{statement.run.pk}"
            )
            return exports.download(dataset, fmt, name)
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        return self.statement().lines

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = self.statement()
        context.update(
            fy=_fy(self.kwargs),
            statement=statement,
            periods=selectors.billing_periods(statement.run.fy),
        )
        return context


class ImportExportView(LAOfficerRequiredMixin, TemplateView):
    """The DfE import/export adjustment: high-needs pupils counted on the January census date
    by where they live and where they are placed, net per LA × the scheme's rate."""

    template_name = "reports/import_export.html"

    def get(self, request, *args, **kwargs):
        fy = _fy(kwargs)
        census_date, error = date_param(request, "census_date", "The census date")
        report = selectors.import_export(fy, census_date)
        fmt = request.GET.get("_export")
        if fmt:
            if request.GET.get("table") == "pupils":
                table = CountedPupilTable(report.pupils)
                name = f"import-export-pupils-{report.census_date:%Y-%m-%d}"
            else:
                table = ImportExportTable(report.rows)
                name = f"import-export-{report.census_date:%Y-%m-%d}"
            return exports.download(exports.table_sheet(table, title="Import export"), fmt, name)
        by_la = ImportExportTable(report.rows)
        pupils = CountedPupilTable(report.pupils, prefix="p-")
        RequestConfig(request, paginate={"per_page": 100}).configure(pupils)
        context = self.get_context_data(
            fy=fy,
            report=report,
            table=by_la,
            pupils_table=pupils,
            census_error=error,
            census_parts=date_input_parts(request, "census_date", report.census_date),
        )
        return self.render_to_response(context)


# ---- the published per-school statement ---------------------------------------------------------


class AnnexBView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """The per-school list for a run (LA preview, every figure) and publishing it."""

    template_name = "reports/annex_b.html"
    table_class = AnnexBTable
    export_formats = EXPORT_FORMATS
    table_pagination = {"per_page": 100}

    def run(self):
        if not hasattr(self, "_run"):
            fy = _fy(self.kwargs)
            self._run = _run_param(self.request, fy) or selectors.initial_or_latest(fy)
        return self._run

    def get_export_filename(self, export_format):
        return f"per-school-sen-{self.run().fy.label}-run-{self.run().pk}.{export_format}"

    def get_table_data(self):
        run = self.run()
        return selectors.annex_b(run) if run else []

    def get_table_kwargs(self):
        return {"public": False}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fy = _fy(self.kwargs)
        context.update(
            fy=fy,
            run=self.run(),
            runs=list(selectors.done_runs(fy)),
            published=selectors.published_statement(fy),
        )
        return context


class PublishView(LAOfficerRequiredMixin, View):
    """POST run=<id>: publish that run's per-school list (or withdraw=1: take it down)."""

    def post(self, request, fy):
        fy = FinancialYear(fy)
        if request.POST.get("withdraw"):
            services.statement_withdraw(financial_year=fy.start_year, user=request.user)
            messages.success(request, f"The FY {fy} statement is no longer published.")
            return redirect("reports:annex_b", fy=fy.start_year)
        raw = request.POST.get("run", "")
        run = selectors.done_runs(fy).filter(pk=int(raw)).first() if raw.isdigit() else None
        if run is None:
            raise Http404("No such completed run in this year")
        services.statement_publish(run=run, user=request.user)
        messages.success(request, f"Run {run.pk} is published as the FY {fy} statement.")
        return redirect("reports:annex_b", fy=fy.start_year)


class PublicIndexView(TemplateView):
    """Public: the years with a published per-school statement (no sign-in)."""

    template_name = "reports/public_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["published"] = list(selectors.published_years())
        return context


class PublicStatementView(ExportMixin, SingleTableMixin, TemplateView):
    """Public: a year's published per-school list - each school's notional SEN budget, top-up
    total and place funding; no pupil data, and top-ups for fewer than three pupils withheld."""

    template_name = "reports/public_statement.html"
    table_class = AnnexBTable
    export_formats = EXPORT_FORMATS
    table_pagination = False

    def published(self):
        if not hasattr(self, "_published"):
            self._published = selectors.published_statement(self.kwargs["fy"])
            if self._published is None:
                raise Http404("No statement published for this year")
        return self._published

    def get_export_filename(self, export_format):
        return f"sen-funding-by-school-{self.published().fy.label}.{export_format}"

    def get_table_data(self):
        if not hasattr(self, "_rows"):
            self._rows = selectors.annex_b(self.published().run)
        return self._rows

    def get_table_kwargs(self):
        return {"public": True}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = self.published()
        rows = self.get_table_data()
        context.update(
            published=published,
            fy=published.fy,
            withheld=sum(1 for r in rows if not r.top_up_published),
            notional_total=sum((r.notional_sen for r in rows), selectors.ZERO),
            place_total=sum((r.place for r in rows), selectors.ZERO),
        )
        return context
