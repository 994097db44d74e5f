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

from funding.scenarios import adoption as adoption_services
from funding.scenarios import charts, exports, jobs, selectors, services
from funding.scenarios.forms import (
    AdoptForm,
    CostNeutralForm,
    ProtectionForm,
    RunForm,
    ScenarioCreateForm,
    ScenarioEditForm,
    UpliftForm,
)
from funding.scenarios.models import Scenario, ScenarioAdoption, ScenarioRun, ScenarioRunJob
from funding.scenarios.tables import PupilMoveTable, SchoolChangeTable
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear


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
            job = jobs.scenario_run_queue(
                scenario=self.scenario(), as_at=form.cleaned_data["as_at"], user=self.request.user
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        return redirect("scenarios:job", pk=job.pk)


class RunJobView(LAOfficerRequiredMixin, TemplateView):
    """A queued run's progress: the page refreshes itself (meta refresh) until it is done."""

    template_name = "scenarios/job.html"

    def get_context_data(self, **kwargs):
        job = get_object_or_404(
            ScenarioRunJob.objects.select_related("scenario", "run"), pk=self.kwargs["pk"]
        )
        return super().get_context_data(job=job, **kwargs)


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
        by_element = [(selectors.element_label(c.key), c) for c in comparison.by_element]
        distribution, distribution_rows = charts.distribution_chart(comparison.by_school)
        return self.render_to_response(
            self.get_context_data(
                run=run,
                before=before,
                comparison=comparison,
                by_element=by_element,
                school_table=school_table,
                pupil_table=pupil_table,
                distribution=distribution,
                distribution_rows=distribution_rows,
                element_chart=charts.element_chart(by_element, "Before", "After"),
                protection=comparison.protection,
                protected_total=comparison.total.after
                + (comparison.protection.cost if comparison.protection else 0),
                protected_schools=[
                    (schools.get(p.key, ("", p.key)), p)
                    for p in (comparison.protection.schools if comparison.protection else [])
                ],
            )
        )


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


class ProtectionView(_ScenarioMixin, FormView):
    """Transitional protection settings of a scenario (R26)."""

    template_name = "scenarios/protection.html"
    form_class = ProtectionForm

    def get_initial(self):
        rule = self.scenario().values.get("protection") or {}
        return {
            "loss_cap_percent": rule.get("loss_cap_percent"),
            "gain_cap_percent": rule.get("gain_cap_percent"),
            "funded": "yes" if rule.get("funded", True) else "no",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(scenario=self.scenario(), **kwargs)

    def form_valid(self, form):
        try:
            services.scenario_set_protection(
                scenario=self.scenario(), user=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Transitional protection saved. Run the scenario to see its cost on the comparison.",
        )
        return redirect("scenarios:detail", pk=self.scenario().pk)


class UpliftView(LAOfficerRequiredMixin, FormView):
    """An uplift to the live scheme from a date (R26): preview its cost for the rest of the
    year, then adopt it (a new version of the live scheme, with the reason)."""

    template_name = "scenarios/uplift.html"
    form_class = UpliftForm

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            if self.request.POST.get("action") == "adopt":
                adoption = adoption_services.uplift_adopt(
                    user=self.request.user, reason=reason, **data
                )
                return redirect("scenarios:adoption", pk=adoption.pk)
            preview = adoption_services.uplift_preview(**data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, preview=preview))


class AdoptView(_ScenarioMixin, FormView):
    """Adopt a scenario as next year's scheme (R26): one action, with who and why."""

    template_name = "scenarios/adopt.html"
    form_class = AdoptForm

    def get_context_data(self, **kwargs):
        scenario = self.scenario()
        return super().get_context_data(
            scenario=scenario, next_fy=FinancialYear(scenario.financial_year + 1), **kwargs
        )

    def form_valid(self, form):
        try:
            adoption = adoption_services.scenario_adopt_as_next_year(
                scenario=self.scenario(), user=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        return redirect("scenarios:adoption", pk=adoption.pk)


class AdoptionView(LAOfficerRequiredMixin, TemplateView):
    """What an adoption wrote: the confirmation page."""

    template_name = "scenarios/adoption.html"

    def get_context_data(self, **kwargs):
        adoption = get_object_or_404(
            ScenarioAdoption.objects.select_related("scheme", "scenario", "adopted_by"),
            pk=self.kwargs["pk"],
        )
        return super().get_context_data(adoption=adoption, **kwargs)
