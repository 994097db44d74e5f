"""Return pages. Thin: check the role, scope the lookup (another school's return is a 404),
call one selector or service, render.

School business managers: their returns, a return's lines, answering a line, submitting.
LA officers: the month's dashboard, a return's lines, the queue of queried lines, resolving one,
starting a generation, sending reminders. Panel members and cluster hosts get 403 here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from funding.returns import live_record, resolution, selectors, services, tasks
from funding.returns.calculations import coming_month, parse_month
from funding.returns.filters import DashboardFilter, QueryFilter
from funding.returns.forms import (
    ACCEPT,
    ALREADY_RECORDED,
    GenerateForm,
    LineAnswerForm,
    LineResolveForm,
)
from funding.returns.models import MonthlyReturn
from funding.returns.tables import (
    DashboardTable,
    QueryQueueTable,
    ReturnLinesTable,
    SchoolReturnsTable,
)
from schools.access import LAOfficerRequiredMixin
from schools.exports import ExportMixin
from schools.roles import is_la_officer, is_school_user

EXPORT_FORMATS = ("csv", "xlsx")


class SchoolUserRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """School business managers only (LA officers and others get 403)."""

    def test_func(self) -> bool:
        return is_school_user(self.request.user)


class ReturnReaderMixin(LoginRequiredMixin, UserPassesTestMixin):
    """School business managers (their own schools) and LA officers."""

    def test_func(self) -> bool:
        user = self.request.user
        return is_school_user(user) or is_la_officer(user)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- School portal ------------------------------------------------------------------------


class SchoolReturnListView(SchoolUserRequiredMixin, SingleTableMixin, TemplateView):
    template_name = "returns/school_list.html"
    table_class = SchoolReturnsTable
    table_pagination = {"per_page": 24}

    def get_table_data(self):
        return selectors.school_returns(self.request.user)

    def get_table_kwargs(self):
        return {"due_on": selectors.due_date_rule()}


class SchoolReturnsView(ReturnReaderMixin, SingleTableMixin, TemplateView):
    """One school's returns, for the LA or that school's business managers."""

    template_name = "returns/school_list.html"
    table_class = SchoolReturnsTable
    table_pagination = {"per_page": 24}

    @cached_property
    def school(self):
        return selectors.school_for_user(self.request.user, self.kwargs["urn"])

    def get_table_data(self):
        return selectors.returns_of_school(self.school)

    def get_table_kwargs(self):
        return {"due_on": selectors.due_date_rule()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "school": self.school}


class ReturnDetailView(ReturnReaderMixin, ExportMixin, SingleTableMixin, TemplateView):
    template_name = "returns/detail.html"
    table_class = ReturnLinesTable
    table_pagination = False
    export_formats = EXPORT_FORMATS

    @cached_property
    def monthly_return(self):
        return selectors.return_for_user(self.request.user, self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if is_school_user(request.user) and self.monthly_return.opened_at is None:
            services.monthly_return_mark_opened(
                monthly_return=self.monthly_return, user=request.user
            )
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        return selectors.return_lines(self.monthly_return)

    @cached_property
    def record_changes(self):
        """pupil id -> changes to the month's record since the return was issued."""
        return live_record.changes_since_issue(self.monthly_return)

    def get_table_kwargs(self):
        user = self.request.user
        return {
            "can_answer": is_school_user(user) and self.monthly_return.is_open_to_school,
            "can_resolve": is_la_officer(user),
            "submitted": not self.monthly_return.is_open_to_school,
            "record_changes": self.record_changes,
        }

    @property
    def export_name(self):
        r = self.monthly_return
        return f"return-{r.school.urn}-{r.month:%Y-%m}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.monthly_return
        context["monthly_return"] = r
        context["unanswered"] = r.line_count - r.answered_count
        context["is_school_user"] = is_school_user(self.request.user)
        context["can_submit"] = (
            context["is_school_user"] and r.is_open_to_school and context["unanswered"] == 0
        )
        context["due_on"] = selectors.return_due_date(r)
        context["is_overdue"] = selectors.return_is_overdue(r, context["due_on"])
        context["changed_count"] = len(self.record_changes)
        return context


class LineAnswerView(SchoolUserRequiredMixin, FormView):
    template_name = "returns/line_answer.html"
    form_class = LineAnswerForm

    @cached_property
    def line(self):
        return selectors.line_for_user(self.request.user, self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if not self.line.monthly_return.is_open_to_school:
            messages.info(request, "This return has been submitted; its answers cannot change.")
            return redirect("returns:detail", pk=self.line.monthly_return_id)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "line": self.line}

    def get_context_data(self, **kwargs):
        changes = live_record.changes_since_issue(self.line.monthly_return, [self.line.pupil_id])
        return {
            **super().get_context_data(**kwargs),
            "line": self.line,
            "record_changes": changes.get(self.line.pupil_id, []),
        }

    def form_valid(self, form):
        try:
            services.return_line_answer(
                line=self.line,
                user=self.request.user,
                on_roll=form.cleaned_data["on_roll"],
                support_correct=form.cleaned_data["support_correct"],
                correction=form.cleaned_data["correction"],
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "line_changed":
                # Show the other person's answer, and the version it is now, to check and keep.
                messages.error(self.request, exc.message)
                return redirect("returns:line_answer", pk=self.line.pk)
            _form_errors(form, exc)
            return self.form_invalid(form)
        following = selectors.next_unanswered_line(self.line.monthly_return_id, self.line)
        if following is not None:
            return redirect("returns:line_answer", pk=following.pk)
        messages.success(self.request, "Every line is answered. Check the return and submit it.")
        return redirect("returns:detail", pk=self.line.monthly_return_id)


class ReturnActionView(SchoolUserRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        monthly_return = selectors.return_for_user(request.user, pk)
        try:
            self.act(monthly_return)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("returns:detail", pk=pk)


class ReturnSubmitView(SchoolUserRequiredMixin, View):
    """Submit (from the check-your-answers page), then the confirmation page, which says what
    was sent; a return already submitted goes back to the return with a note."""

    http_method_names = ["post"]

    def post(self, request, pk):
        monthly_return = selectors.return_for_user(request.user, pk)
        if not monthly_return.is_open_to_school:
            messages.info(request, "This return was already submitted.")
            return redirect("returns:detail", pk=pk)
        try:
            services.monthly_return_submit(monthly_return=monthly_return, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("returns:detail", pk=pk)
        return redirect("returns:submitted", pk=pk)


class CheckAnswersView(SchoolUserRequiredMixin, TemplateView):
    """Check your answers before submitting: the confirmed lines and the queried ones."""

    template_name = "returns/check_answers.html"

    @cached_property
    def monthly_return(self):
        return selectors.return_for_user(self.request.user, self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        r = self.monthly_return
        if not r.is_open_to_school:
            messages.info(request, "This return was already submitted.")
            return redirect("returns:detail", pk=r.pk)
        if r.line_count != r.answered_count:
            messages.error(
                request,
                services.UNANSWERED_LINES.format(count=r.line_count - r.answered_count),
            )
            return redirect("returns:detail", pk=r.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        lines = list(selectors.return_lines(self.monthly_return))
        return {
            **super().get_context_data(**kwargs),
            "monthly_return": self.monthly_return,
            "confirmed": [line for line in lines if not line.queried],
            "queried": [line for line in lines if line.queried],
            "due_on": selectors.return_due_date(self.monthly_return),
        }


class ReturnSubmittedView(SchoolUserRequiredMixin, TemplateView):
    """The confirmation page after a return is submitted."""

    template_name = "returns/submitted.html"

    @cached_property
    def monthly_return(self):
        return selectors.return_for_user(self.request.user, self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.monthly_return.is_open_to_school:
            return redirect("returns:detail", pk=self.monthly_return.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "monthly_return": self.monthly_return}


class ConfirmRemainingView(ReturnActionView):
    def act(self, monthly_return):
        count = services.return_lines_confirm_remaining(
            monthly_return=monthly_return, user=self.request.user
        )
        messages.success(
            self.request, f"{count} line{'s' if count != 1 else ''} confirmed as recorded."
        )


# --- LA side ------------------------------------------------------------------------------


class DashboardView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "returns/dashboard.html"
    filterset_class = DashboardFilter
    table_class = DashboardTable
    table_pagination = {"per_page": 100}
    export_formats = EXPORT_FORMATS

    @cached_property
    def month(self):
        """The month asked for if it has returns, else the latest month that has."""
        months = selectors.months_with_returns()
        try:
            asked = parse_month(self.request.GET.get("month", ""))
        except ValueError:
            asked = None
        return asked if asked in months else (months[0] if months else None)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        if self.month is not None:
            data["month"] = f"{self.month:%Y-%m}"
        kwargs["data"] = data
        return kwargs

    def get_queryset(self):
        return selectors.with_counts(
            MonthlyReturn.objects.select_related("school"),
            selectors.overdue_cutoff(),
        )

    @property
    def export_name(self):
        return f"returns-{self.month:%Y-%m}" if self.month else "returns"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = self.month
        context["month"] = month
        context["generation"] = selectors.latest_generation(month) if month else None
        context["generate_form"] = GenerateForm(
            initial={"month": f"{coming_month(timezone.localdate()):%Y-%m}"}
        )
        context["late_joiners"] = live_record.joined_after_issue(month) if month else []
        return context


class GenerateView(LAOfficerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = GenerateForm(request.POST)
        try:
            month = parse_month(form.data.get("month", "")) if form.is_valid() else None
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("returns:dashboard")
        if month is None:
            messages.error(request, "Enter the month as YYYY-MM, for example 2025-05.")
            return redirect("returns:dashboard")
        tasks.generate_returns_for_month.delay(month.isoformat(), request.user.pk)
        messages.success(request, f"Generating the returns for {month:%B %Y}.")
        return redirect(f"{reverse('returns:dashboard')}?month={month:%Y-%m}")


class RemindView(LAOfficerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        result = tasks.send_overdue_return_reminders.delay()
        if result.ready():
            messages.success(request, f"Sent {result.get()} reminder email(s) for overdue returns.")
        else:
            messages.success(request, "Reminder emails for overdue returns are being sent.")
        return redirect(_safe_next(request, reverse("returns:dashboard")))


def _safe_next(request, default: str) -> str:
    """The form's `next` when it is a page of this site, else `default` (no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class QueryQueueView(LAOfficerRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "returns/queries.html"
    filterset_class = QueryFilter
    table_class = QueryQueueTable
    table_pagination = {"per_page": 50}
    export_formats = EXPORT_FORMATS
    export_name = "queried-return-lines"

    def get_queryset(self):
        return live_record.with_record_changed(selectors.open_queries())


class LineResolveView(LAOfficerRequiredMixin, FormView):
    template_name = "returns/line_resolve.html"
    form_class = LineResolveForm

    @cached_property
    def line(self):
        return selectors.line_for_user(self.request.user, self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if not self.line.queried or self.line.resolution:
            messages.info(request, "This line has no open query.")
            return redirect("returns:queries")
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "line": self.line}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "line": self.line,
            "live": live_record.live_record(self.line),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["decision"] == ALREADY_RECORDED:
                resolution.return_line_already_recorded(
                    line=self.line, user=self.request.user, note=data.get("note", "")
                )
                messages.success(
                    self.request,
                    f"Query for {self.line.pupil.full_name} closed: already recorded, "
                    "no change needed.",
                )
            elif data["decision"] == ACCEPT:
                services.return_line_accept(
                    line=self.line,
                    user=self.request.user,
                    effective_on=data.get("effective_on"),
                    support=form.support(),
                    note=data.get("note", ""),
                )
                messages.success(
                    self.request, f"Correction for {self.line.pupil.full_name} accepted."
                )
            else:
                services.return_line_reject(
                    line=self.line, user=self.request.user, reason=data.get("reason", "")
                )
                messages.success(
                    self.request, f"Correction for {self.line.pupil.full_name} rejected."
                )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        return redirect("returns:queries")
