"""Pupil pages: the list, a pupil's timeline, annual reviews, and the forms that change a pupil
through `pupils.services`. Thin: parse, call one service or selector, render.

Access: LA officers see and change everything; SEN Panel members read everything; a school
business manager reads only pupils on roll at their own school(s) (anyone else's is a 404);
cluster hosts see no pupil pages (403). Changing pages are for LA officers only (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from pupils import selectors, services
from pupils.filters import PupilFilter, ReviewFilter
from pupils.forms import (
    HomeLaChangeForm,
    HomeLaCorrectForm,
    PlanCeaseForm,
    PlanIssueForm,
    PupilLeaveForm,
    PupilMoveForm,
    SupportChangeForm,
)
from pupils.models import Plan
from pupils.tables import PupilTable, ReviewTable, current_placement, current_plan
from schools.access import LAOfficerRequiredMixin
from schools.dates import year_group_label
from schools.exports import ExportMixin
from schools.models import School, SchoolStatus
from schools.roles import is_la_officer

EXPORT_FORMATS = ("csv", "xlsx")


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Signed-in users for whom `allowed(user)` is false get 403."""

    def allowed(self, user) -> bool:  # pragma: no cover - every view overrides it
        return False

    def test_func(self) -> bool:
        return self.allowed(self.request.user)


class PupilListView(RoleRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """All pupils, searchable and filterable; LA officers and panel members."""

    template_name = "pupils/list.html"
    table_class = PupilTable
    filterset_class = PupilFilter
    export_formats = EXPORT_FORMATS
    export_name = "pupils"
    strict = False

    def allowed(self, user):
        return selectors.can_see_all_pupils(user)

    def get_queryset(self):
        return selectors.pupil_list(self.request.user)


class PupilMixin(RoleRequiredMixin):
    """Looks the pupil up by UPN among those the user may see (else 404)."""

    def allowed(self, user):
        return selectors.can_see_pupil_pages(user)

    def get_pupil(self):
        if not hasattr(self, "_pupil"):
            self._pupil = get_object_or_404(
                selectors.visible_pupils(self.request.user).select_related("home_la"),
                upn=self.kwargs["upn"],
            )
        return self._pupil


class PupilDetailView(PupilMixin, TemplateView):
    template_name = "pupils/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        on = selectors.today()
        pupil = get_object_or_404(
            selectors.with_display_rows(selectors.visible_pupils(user, on), on),
            upn=self.kwargs["upn"],
        )
        plan = current_plan(pupil)
        support = (plan.support_in_force[0] if plan.support_in_force else None) if plan else None
        placement = current_placement(pupil)
        if placement is not None and placement.ends_on and placement.ends_on < on:
            on_roll = False
        else:
            on_roll = placement is not None
        context.update(
            pupil=pupil,
            placement=placement,
            on_roll=on_roll,
            plan=plan,
            support=support,
            review_overdue=plan.is_review_overdue(on) if plan else False,
            year_group=year_group_label(pupil.year_group_on(on)),
            can_list=selectors.can_see_all_pupils(user),
            timeline=selectors.pupil_timeline(
                pupil, school_ids=selectors.school_ids_for_timeline(user)
            ),
            can_change=is_la_officer(user),
            can_follow_links=is_la_officer(user),
            # R8+: where the pupil lived when is for the LA, not for schools
            home_las=(
                selectors.home_la_history(pupil) if selectors.can_see_all_pupils(user) else None
            ),
            today=on,
        )
        return context


class ReviewListView(RoleRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """R10: annual reviews overdue or due in the next six weeks, by school and caseworker."""

    template_name = "pupils/reviews.html"
    table_class = ReviewTable
    filterset_class = ReviewFilter
    export_formats = EXPORT_FORMATS
    export_name = "annual-reviews"
    strict = False

    def allowed(self, user):
        return selectors.can_see_pupil_pages(user)

    def get_queryset(self):
        return selectors.reviews_due(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.review_summary(self.object_list)
        context["horizon_weeks"] = selectors.REVIEW_HORIZON.days // 7
        return context


# --- changes (LA officers only) -----------------------------------------------------------------


class PupilChangeView(LAOfficerRequiredMixin, FormView):
    """A form whose valid data goes to one service; service errors go back onto the fields."""

    template_name = "pupils/change_form.html"
    title = ""
    submit_label = "Save"
    anchor = "#timeline"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_la_officer(request.user):
            self.pupil = get_object_or_404(
                selectors.visible_pupils(request.user), upn=kwargs["upn"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            pupil=self.pupil,
            title=self.title,
            submit_label=self.submit_label,
            back_url=reverse("pupils:detail", kwargs={"upn": self.pupil.upn}),
        )
        return context

    def call_service(self, form):  # pragma: no cover - every view overrides it
        raise NotImplementedError

    def success_text(self, result) -> str:  # pragma: no cover - every view overrides it
        raise NotImplementedError

    def backdated(self, result) -> bool:
        return bool(getattr(result, "is_backdated", False))

    def form_valid(self, form):
        try:
            result = self.call_service(form)
        except ValidationError as error:
            form.apply_service_errors(error)
            return self.form_invalid(form)
        message = self.success_text(result)
        if self.backdated(result):
            message += " This change is backdated: the next allocation run will pick it up."
        messages.success(self.request, message)
        return redirect(reverse("pupils:detail", kwargs={"upn": self.pupil.upn}) + self.anchor)


class PlanMixin:
    """A plan of the pupil, by id (404 when it is someone else's)."""

    def get_plan(self) -> Plan:
        if not hasattr(self, "_plan"):
            self._plan = get_object_or_404(Plan, pk=self.kwargs["plan_id"], pupil=self.pupil)
        return self._plan

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = self.get_plan()
        return context


class PlanIssueView(PupilChangeView):
    form_class = PlanIssueForm
    title = "Issue a plan"
    submit_label = "Issue plan"

    def call_service(self, form):
        data = form.cleaned_data
        plan = services.plan_issue(
            pupil=self.pupil,
            kind=data["kind"],
            issued_on=data["issued_on"],
            primary_need=data["primary_need"],
            annual_review_due=data.get("annual_review_due"),
            support=form.support(),
            caseworker=data.get("caseworker"),
            user=self.request.user,
            reason=data["reason"],
        )
        return plan

    def success_text(self, plan):
        return f"{plan.get_kind_display()} issued for {self.pupil.full_name}."

    def backdated(self, plan):
        return plan.issued_on < selectors.today()


class SupportChangeView(PlanMixin, PupilChangeView):
    form_class = SupportChangeForm
    title = "Change support"
    submit_label = "Change support"

    def get_initial(self):
        plan = self.get_plan()
        on = selectors.today()
        level = (
            plan.support_levels.filter(selectors.support_in_force(on)).first()
            or plan.support_levels.order_by("-effective_from").first()
        )
        if level is None:
            return {}
        return {
            "lsa_hours": level.lsa_hours,
            "lst_hours": level.lst_hours,
            "ta_hours": level.ta_hours,
            "band": level.band,
            "resource_amount": level.resource_amount,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["support_levels"] = list(self.get_plan().support_levels.all())
        return context

    def call_service(self, form):
        return services.support_change(
            plan=self.get_plan(),
            effective_from=form.cleaned_data["effective_from"],
            support=form.support(),
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )

    def success_text(self, level):
        return (
            f"Support for {self.pupil.full_name} changed from "
            f"{level.effective_from:%-d %B %Y}: {level.summary}."
        )


class PlanCeaseView(PlanMixin, PupilChangeView):
    form_class = PlanCeaseForm
    title = "Cease a plan"
    submit_label = "Cease plan"

    def call_service(self, form):
        plan = services.plan_cease(
            plan=self.get_plan(),
            ceased_on=form.cleaned_data["ceased_on"],
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        return plan

    def success_text(self, plan):
        return f"The {plan.get_kind_display()} ceases on {plan.ceased_on:%-d %B %Y}."

    def backdated(self, plan):
        return plan.ceased_on < selectors.today()


class PupilMoveView(PupilChangeView):
    form_class = PupilMoveForm
    title = "Move to another school"
    submit_label = "Move pupil"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["schools"] = School.objects.exclude(status=SchoolStatus.CLOSED)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["placement"] = services.current_placement(self.pupil, selectors.today())
        return context

    def call_service(self, form):
        data = form.cleaned_data
        return services.pupil_move(
            pupil=self.pupil,
            to_school=data["to_school"],
            moves_on=data["moves_on"],
            admission_kind=data["admission_kind"],
            kind=data.get("kind") or None,
            user=self.request.user,
            reason=data["reason"],
        )

    def success_text(self, placement):
        return (
            f"{self.pupil.full_name} moves to {placement.school.name} on "
            f"{placement.starts_on:%-d %B %Y} ({placement.get_admission_kind_display().lower()})."
        )


class PupilLeaveView(PupilChangeView):
    form_class = PupilLeaveForm
    title = "Record leaving"
    submit_label = "Record leaving"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["placement"] = services.current_placement(self.pupil, selectors.today())
        return context

    def call_service(self, form):
        return services.pupil_leave(
            pupil=self.pupil,
            last_day=form.cleaned_data["last_day"],
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )

    def success_text(self, placement):
        return (
            f"{self.pupil.full_name} leaves {placement.school.name}: last day on roll "
            f"{placement.ends_on:%-d %B %Y}."
        )

    def backdated(self, placement):
        return placement.ends_on < selectors.today()


class HomeLaChangeView(PupilChangeView):
    """R8+: record a house move to another LA from a date."""

    form_class = HomeLaChangeForm
    title = "Record a change of home LA"
    submit_label = "Record the move"
    anchor = "#home-la"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["home_las"] = selectors.home_la_history(self.pupil)
        return context

    def call_service(self, form):
        data = form.cleaned_data
        return services.pupil_home_la_change(
            pupil=self.pupil,
            la=data["la"],
            from_date=data["from_date"],
            user=self.request.user,
            reason=data["reason"],
        )

    def success_text(self, period):
        return (
            f"{self.pupil.full_name} lives in {period.la.name} from "
            f"{period.starts_on:%-d %B %Y}: that LA pays their top-up from that day."
        )


class HomeLaCorrectView(PupilChangeView):
    """Correct a home-LA period entered wrongly; the correction stays in the history."""

    form_class = HomeLaCorrectForm
    title = "Correct the home LA history"
    submit_label = "Save the correction"
    anchor = "#home-la"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["periods"] = self.pupil.home_la_periods.select_related("la").order_by("starts_on")
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["home_las"] = selectors.home_la_history(self.pupil)
        return context

    def call_service(self, form):
        data = form.cleaned_data
        return services.pupil_home_la_correct(
            period=data["period"],
            la=data["la"],
            starts_on=data.get("starts_on"),
            user=self.request.user,
            reason=data["reason"],
        )

    def success_text(self, period):
        return f"Home LA history corrected: {period.la.name} from {period.starts_on:%-d %B %Y}."

    def backdated(self, period):
        return False
