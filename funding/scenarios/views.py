"""Scenario pages (R26), for LA officers and finance officers only: anyone else signed in gets
403. Thin: parse, call one service or selector, render or export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from funding.scenarios import exports, selectors, services
from funding.scenarios.forms import CostNeutralForm, RunForm, ScenarioCreateForm, ScenarioEditForm
from funding.scenarios.models import Scenario, ScenarioRun
from funding.scenarios.tables import PupilMoveTable, SchoolChangeTable
from schools.access import LAOfficerRequiredMixin


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ScenarioListView(LAOfficerRequiredMixin, FormView):
    template_name = "scenarios/list.html"
    form_class = ScenarioCreateForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(scenarios=selectors.scenarios(), **kwargs)

    def form_valid(self, form):
        try:
            scenario = services.scenario_create_from_scheme(
                user=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Scenario {scenario.name} created from the live scheme.")
        return redirect("scenarios:detail", pk=scenario.pk)


class _ScenarioMixin(LAOfficerRequiredMixin):
    def scenario(self) -> Scenario:
        if not hasattr(self, "_scenario"):
            self._scenario = get_object_or_404(selectors.scenarios(), pk=self.kwargs["pk"])
        return self._scenario


class ScenarioDetailView(_ScenarioMixin, TemplateView):
    template_name = "scenarios/detail.html"

    def get_context_data(self, **kwargs):
        scenario = self.scenario()
        ids = [int(b["school_id"]) for b in scenario.values.get("band_rates", [])]
        return super().get_context_data(
            scenario=scenario,
            fields=scenario.values.get("fields", {}),
            values=scenario.values,
            schools=selectors.school_names(ids),
            runs=selectors.scenario_runs(scenario)[:20],
            history=scenario.history.select_related("history_user")[:20],
            run_form=RunForm(),
            cost_form=CostNeutralForm(),
            **kwargs,
        )


class ScenarioEditView(_ScenarioMixin, FormView):
    template_name = "scenarios/edit.html"

    def get_form(self, form_class=None):
        scenario = self.scenario()
        ids = [int(b["school_id"]) for b in scenario.values.get("band_rates", [])]
        return ScenarioEditForm(
            self.request.POST or None,
            values=scenario.values,
            schools=selectors.school_names(ids),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(scenario=self.scenario(), **kwargs)

    def form_valid(self, form):
        try:
            services.scenario_update_rates(
                scenario=self.scenario(),
                user=self.request.user,
                reason=form.cleaned_data["reason"],
                **form.changes(),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Scenario saved. The live scheme is unchanged.")
        return redirect("scenarios:detail", pk=self.scenario().pk)


class ScenarioRunView(_ScenarioMixin, FormView):
    template_name = "scenarios/run.html"
    form_class = RunForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(scenario=self.scenario(), **kwargs)

    def form_valid(self, form):
        try:
            run = services.scenario_run(
                scenario=self.scenario(), as_at=form.cleaned_data["as_at"], user=self.request.user
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        return redirect("scenarios:compare", pk=run.pk)


class CostNeutralView(_ScenarioMixin, FormView):
    template_name = "scenarios/cost_neutral.html"
    form_class = CostNeutralForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(scenario=self.scenario(), **kwargs)

    def form_valid(self, form):
        try:
            found = services.scenario_cost_neutral(
                scenario=self.scenario(),
                rate_set=form.cleaned_data["rate_set"],
                target=form.cleaned_data["target"],
                user=self.request.user,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        return self.render_to_response(
            self.get_context_data(form=form, found=found, values=found.scenario.values)
        )


def _compared(request, pk) -> tuple[ScenarioRun, ScenarioRun]:
    run = get_object_or_404(ScenarioRun.objects.select_related("scenario", "baseline"), pk=pk)
    raw = request.GET.get("against", "")
    if raw:
        if not raw.isdigit():
            raise Http404("No such run")
        before = get_object_or_404(ScenarioRun, pk=int(raw))
    elif run.baseline_id:
        before = run.baseline
    else:
        raise Http404("This run has nothing to compare with")
    return before, run


def _rows(comparison, schools, upns):
    school_rows = [
        {
            "urn": schools.get(c.key, ("", ""))[0],
            "name": schools.get(c.key, ("", c.key))[1],
            "before": c.before,
            "after": c.after,
            "difference": c.difference,
            "percent": c.percent,
        }
        for c in comparison.by_school
    ]
    pupil_rows = [
        {
            "upn": upns.get(m.pupil_id, ""),
            "school": schools.get(m.school_id, ("", ""))[1],
            "detail_before": m.detail_before,
            "before": m.before,
            "detail_after": m.detail_after,
            "after": m.after,
            "difference": m.difference,
        }
        for m in comparison.pupils
    ]
    return school_rows, pupil_rows


class CompareView(LAOfficerRequiredMixin, TemplateView):
    template_name = "scenarios/compare.html"

    def get(self, request, *args, **kwargs):
        before, run = _compared(request, kwargs["pk"])
        comparison = selectors.comparison(before, run)
        schools = selectors.school_names(
            {c.key for c in comparison.by_school} | {m.school_id for m in comparison.pupils}
        )
        upns = selectors.pupil_upns([m.pupil_id for m in comparison.pupils])
        school_rows, pupil_rows = _rows(comparison, schools, upns)
        school_table = SchoolChangeTable(school_rows, prefix="s-")
        pupil_table = PupilMoveTable(pupil_rows, prefix="p-")
        RequestConfig(request, paginate={"per_page": 50}).configure(school_table)
        RequestConfig(request, paginate={"per_page": 50}).configure(pupil_table)
        fmt = request.GET.get("_export")
        if fmt:
            if not TableExport.is_valid_format(fmt) or fmt not in ("csv", "xlsx"):
                raise Http404("Unknown export format")
            table = pupil_table if request.GET.get("table") == "pupils" else school_table
            name = "pupils" if table is pupil_table else "schools"
            return TableExport(fmt, table).response(f"scenario-run-{run.pk}-{name}.{fmt}")
        return self.render_to_response(
            self.get_context_data(
                run=run,
                before=before,
                comparison=comparison,
                by_element=[(selectors.element_label(c.key), c) for c in comparison.by_element],
                school_table=school_table,
                pupil_table=pupil_table,
                chart=_chart(comparison),
            )
        )


def _chart(comparison) -> list[dict]:
    """The distribution of per-school change (% bands) as bars, for a picture without script."""
    edges = [(-100, -10), (-10, -5), (-5, -1), (-1, 0), (0, 0), (0, 1), (1, 5), (5, 10), (10, 1e9)]
    labels = [
        "≤ −10%",
        "−10% to −5%",
        "−5% to −1%",
        "−1% to 0%",
        "unchanged",
        "0% to 1%",
        "1% to 5%",
        "5% to 10%",
        "≥ 10%",
    ]
    counts = [0] * len(edges)
    for c in comparison.by_school:
        p = float(c.percent) if c.percent is not None else (0.0 if not c.difference else 100.0)
        if c.difference == 0:
            counts[4] += 1
            continue
        for i, (lo, hi) in enumerate(edges):
            if i != 4 and (lo < p <= hi if p > 0 else lo <= p < hi):
                counts[i] += 1
                break
        else:
            counts[0 if p < 0 else -1] += 1
    top = max(counts) or 1
    return [
        {"label": lab, "count": n, "width": int(100 * n / top)}
        for lab, n in zip(labels, counts, strict=True)
    ]


class ForumPackView(LAOfficerRequiredMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        before, run = _compared(request, kwargs["pk"])
        comparison = selectors.comparison(before, run)
        schools = selectors.school_names(
            {c.key for c in comparison.by_school} | {m.school_id for m in comparison.pupils}
        )
        upns = selectors.pupil_upns([m.pupil_id for m in comparison.pupils])
        content = exports.forum_pack(
            comparison,
            title=f"Schools Forum: {run.label}, FY {run.fy}",
            before_label=before.label,
            after_label=run.label,
            schools=schools,
            upns=upns,
            element_label=selectors.element_label,
        )
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="schools-forum-run-{run.pk}.xlsx"'
        return response
