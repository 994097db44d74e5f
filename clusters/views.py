"""Cluster pages: the clusters and their comparison, a cluster's page (pot, committed, spent,
remaining; member schools' SEND profile), its requests (request -> review -> impact), its
meetings, the pot's division, the PSF forecast, and the auxiliary aids fund. Thin: scope to
what the user may see, parse, call one service or selector, render.

Access: LA officers see every cluster (and alone set the pot, see the PSF pages and decide
auxiliary aids applications); a cluster host sees their own cluster and reviews its requests; a
member school's SENCO (school business manager) sees the cluster's totals and their own
school's requests. Another cluster, or another school's request, is a 404; a page the role
never has is a 403.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from clusters import selectors, services
from clusters.filters import RequestFilter
from clusters.forms import (
    AuxApplicationForm,
    AuxDecisionForm,
    AuxFundForm,
    FrameworkForm,
    ImpactForm,
    MeetingForm,
    PotForm,
    RequestForm,
    ReviewForm,
    WithdrawForm,
)
from clusters.models import (
    ApplicationStatus,
    AuxiliaryAidsApplication,
    ClusterMeeting,
    ClusterRequest,
    MeetingStatus,
    RequestStatus,
)
from clusters.tables import (
    AuxApplicationTable,
    ComparisonTable,
    ForecastTable,
    MeetingTable,
    MoneyColumn,
    ProfileTable,
    PsfPupilTable,
    RequestTable,
    SharesTable,
)
from pupils.models import Pupil
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear
from schools.exports import ExportMixin
from schools.models import School
from schools.roles import is_la_officer, is_school_user

EXPORT_FORMATS = ("csv", "xlsx")


def _fy_param(request, default: FinancialYear | None = None) -> FinancialYear:
    default = default or FinancialYear.of(timezone.localdate())
    try:
        year = int(request.GET.get("fy", default.start_year))
    except (TypeError, ValueError):
        return default
    if not 2000 <= year <= 2100:
        return default
    return FinancialYear(year)


def _year_choices(selected: FinancialYear) -> list[FinancialYear]:
    current = FinancialYear.of(timezone.localdate()).start_year
    from funding.readiness import data_years

    # Every year with data (schemes, runs, censuses, term dates, ...), not just around today.
    years = set(range(current - 2, current + 2)) | set(selectors.pot_years()) | data_years()
    years.add(selected.start_year)
    return [FinancialYear(y) for y in sorted(years, reverse=True)]


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Signed-in users for whom `allowed(user)` is false get 403."""

    def allowed(self, user) -> bool:
        return selectors.can_use_clusters(user)

    def test_func(self) -> bool:
        return self.allowed(self.request.user)


class ClusterMixin(RoleRequiredMixin):
    """Looks the cluster up among those the user may see (else 404)."""

    def get_cluster(self):
        if not hasattr(self, "_cluster"):
            self._cluster = get_object_or_404(
                selectors.visible_clusters(self.request.user).select_related(
                    "host_school", "host_contact"
                ),
                pk=self.kwargs["pk"],
            )
            self._access = selectors.cluster_access(self.request.user, self._cluster)
        return self._cluster

    @property
    def access(self) -> selectors.ClusterAccess:
        self.get_cluster()
        return self._access

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cluster"] = self.get_cluster()
        context["access"] = self.access
        return context


class ServiceFormMixin:
    """A GOV.UK form page whose valid data goes to one service; service errors go back on the
    fields they name."""

    template_name = "clusters/form_page.html"
    title = ""
    submit_label = "Save"

    def call_service(self, form):  # pragma: no cover - each view overrides it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.result = self.call_service(form)
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.title)
        context.setdefault("submit_label", self.submit_label)
        context.setdefault("back_url", self.get_back_url())
        return context

    def get_back_url(self) -> str:
        return reverse("home")


# ---- the clusters ----------------------------------------------------------------------------


class ClusterListView(RoleRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """LA officers: every cluster compared for a year. A host or SENCO with one cluster goes
    straight to it; with several, a list."""

    template_name = "clusters/list.html"
    table_class = ComparisonTable
    export_formats = EXPORT_FORMATS

    def get(self, request, *args, **kwargs):
        if not is_la_officer(request.user):
            mine = list(selectors.visible_clusters(request.user).order_by("name"))
            if len(mine) == 1:
                return redirect("clusters:detail", pk=mine[0].pk)
            self.mine = mine
        return super().get(request, *args, **kwargs)

    def get_export_filename(self, export_format):
        return f"clusters-compared-{self.fy.start_year}.{export_format}"

    def get_table_data(self):
        self.fy = _fy_param(self.request)
        if not is_la_officer(self.request.user):
            return []
        rows, self.division = selectors.comparison(self.fy)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fy"] = self.fy
        context["years"] = _year_choices(self.fy)
        context["is_la_officer"] = is_la_officer(self.request.user)
        context["mine"] = getattr(self, "mine", [])
        context["division"] = getattr(self, "division", None)
        return context


class ClusterDetailView(ClusterMixin, SingleTableMixin, TemplateView):
    """A cluster: its money for the year, member schools' SEND profile, recent requests,
    meetings."""

    template_name = "clusters/detail.html"
    table_class = ProfileTable

    def get_table_data(self):
        return selectors.send_profile(self.get_cluster())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cluster = self.get_cluster()
        fy = _fy_param(self.request)
        pot = selectors.cluster_pot(fy)
        division = selectors.division(pot) if pot is not None else None
        context["fy"] = fy
        context["years"] = _year_choices(fy)
        context["pot"] = pot
        context["division"] = division
        context["share"] = division.share_of(cluster.pk) if division else None
        context["budget"] = selectors.cluster_budget(cluster, fy, division)
        requests = selectors.requests_for(self.request.user, cluster, self.access)
        context["recent_requests"] = list(requests.order_by("-submitted_at", "-pk")[:5])
        context["awaiting_review"] = requests.filter(status=RequestStatus.SUBMITTED).count()
        context["awaiting_impact"] = requests.filter(status=RequestStatus.APPROVED).count()
        today = timezone.localdate()
        context["next_meeting"] = (
            ClusterMeeting.objects.filter(cluster=cluster, date__gte=today)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("date")
            .first()
        )
        return context


class RequestListView(ClusterMixin, ExportMixin, SingleTableMixin, FilterView):
    """The cluster's requests the user may see, filterable, with CSV/XLSX export."""

    template_name = "clusters/requests.html"
    table_class = RequestTable
    filterset_class = RequestFilter
    export_formats = EXPORT_FORMATS
    strict = False

    def get_export_filename(self, export_format):
        return f"cluster-{self.get_cluster().pk}-requests.{export_format}"

    def get_queryset(self):
        return selectors.requests_for(self.request.user, self.get_cluster(), self.access).order_by(
            "-submitted_at", "-pk"
        )

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "access": self.access}

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        cluster = self.get_cluster()
        schools = School.objects.filter(cluster_requests__cluster=cluster).distinct()
        if not self.access.sees_all_requests:
            schools = schools.filter(pk__in=self.access.senco_schools)
        kwargs["schools"] = schools.order_by("name")
        kwargs["years"] = sorted(
            set(
                ClusterRequest.objects.filter(cluster=cluster).values_list(
                    "financial_year", flat=True
                )
            ),
            reverse=True,
        )
        return kwargs


class RequestMixin(ClusterMixin):
    """Looks the request up among the cluster's requests the user may see (else 404)."""

    def get_request_obj(self) -> ClusterRequest:
        if not hasattr(self, "_request_obj"):
            self._request_obj = get_object_or_404(
                selectors.requests_for(self.request.user, self.get_cluster(), self.access),
                pk=self.kwargs["request_pk"],
            )
        return self._request_obj

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["req"] = self.get_request_obj()
        return context

    def get_back_url(self) -> str:
        return reverse(
            "clusters:request_detail", args=[self.get_cluster().pk, self.kwargs["request_pk"]]
        )

    #: The status a form page needs (else back to the request with a message).
    required_status = ""
    wrong_status_message = ""

    def wrong_status(self):
        """A redirect when the request is not in the status the page acts on, else None."""
        req = self.get_request_obj()
        if self.required_status and req.status != self.required_status:
            messages.info(self.request, self.wrong_status_message.format(ref=req.reference))
            return redirect(self.get_back_url())
        return None

    def get_success_url(self) -> str:
        return self.get_back_url()


class RequestDetailView(RequestMixin, TemplateView):
    """A request, its review and impact, and every change with who and when."""

    template_name = "clusters/request_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        req = self.get_request_obj()
        context["history"] = list(
            req.history.select_related("history_user").order_by("history_date", "history_id")
        )
        access = self.access
        mine = access.is_host or req.school_id in access.senco_schools
        context["show_upn"] = access.sees_pupils_of(req.school_id)
        context["can_review"] = access.can_review and req.status == RequestStatus.SUBMITTED
        context["can_record_impact"] = mine and req.impact_open(timezone.localdate())
        context["can_withdraw"] = mine and req.status == RequestStatus.SUBMITTED
        return context


class RequestCreateView(ClusterMixin, ServiceFormMixin, FormView):
    """A member school asks for support-for-learning funding."""

    form_class = RequestForm
    title = "Ask the cluster for funding"
    submit_label = "Send request"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.get_cluster()
            if not self.access.can_request:
                raise PermissionDenied("Only the cluster's host and member schools ask here.")
        return super().dispatch(request, *args, **kwargs)

    def schools(self) -> list[School]:
        if not hasattr(self, "_schools"):
            self._schools = list(
                selectors.requestable_schools(
                    self.request.user, self.get_cluster(), self.access, timezone.localdate()
                )
            )
        return self._schools

    def chosen_school(self) -> School | None:
        """The school asking: the one posted, or picked with ?school=, or the only one."""
        schools = self.schools()
        raw = (self.request.POST if self.request.method == "POST" else self.request.GET).get(
            "school", ""
        )
        if raw.isdigit():
            return next((s for s in schools if s.pk == int(raw)), None)
        if len(schools) == 1:
            return schools[0]
        # The host asks for its own school unless it picks another.
        host_id = self.get_cluster().host_school_id
        return next((s for s in schools if s.pk == host_id), None)

    def pupil_schools(self) -> list[School]:
        """The requestable schools whose pupils the user may name (their own school's)."""
        return [s for s in self.schools() if self.access.sees_pupils_of(s.pk)]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        school = self.chosen_school()
        kwargs["schools"] = School.objects.filter(pk__in=[s.pk for s in self.schools()]).order_by(
            "name"
        )
        kwargs["school"] = school
        kwargs["pupils"] = (
            selectors.request_pupils(self.access, school, timezone.localdate())
            if self.pupil_schools()
            else None
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        own = self.pupil_schools()
        chosen = self.chosen_school()
        if len(own) > 1 or (own and chosen not in own):
            # Name a pupil with a plan: pick the school first (a GET, so nothing is lost).
            context["school_links"] = [(s.name, f"?school={s.pk}", s == chosen) for s in own]
        return context

    def call_service(self, form):
        return services.request_submit(
            cluster=self.get_cluster(), user=self.request.user, **form.cleaned_data
        )

    def get_success_url(self):
        messages.success(self.request, f"Request {self.result.reference} sent to the cluster.")
        return reverse("clusters:request_detail", args=[self.get_cluster().pk, self.result.pk])

    def get_back_url(self):
        return reverse("clusters:detail", args=[self.get_cluster().pk])


class RequestReviewView(RequestMixin, ServiceFormMixin, FormView):
    """The host records the cluster's decision at a meeting."""

    form_class = ReviewForm
    title = "Record the cluster's decision"
    submit_label = "Record decision"
    required_status = RequestStatus.SUBMITTED
    wrong_status_message = "{ref} has already been reviewed or withdrawn."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.get_request_obj()
            if not self.access.can_review:
                raise PermissionDenied("Only the cluster's host records decisions.")
            if (response := self.wrong_status()) is not None:
                return response
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        asked_on = timezone.localtime(self.get_request_obj().submitted_at).date()
        kwargs["meetings"] = (
            ClusterMeeting.objects.filter(
                cluster=self.get_cluster(),
                date__lte=timezone.localdate(),
                date__gte=asked_on,
            )
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("-date")
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        req = self.get_request_obj()
        if req.submitted_by_id is not None and req.submitted_by_id == self.request.user.pk:
            context["warning"] = (
                f"You made this request ({req.reference}) yourself. Record a decision on it only "
                "if the cluster's meeting made it: the history names you as both who asked and "
                "who recorded the decision."
            )
        return context

    def call_service(self, form):
        data = form.cleaned_data
        return services.request_review(
            request=self.get_request_obj(),
            meeting=data["meeting"],
            decision=data["decision"],
            amount_approved=data.get("amount_approved"),
            reasons=data["reasons"],
            user=self.request.user,
        )

    def get_success_url(self):
        messages.success(self.request, f"Decision recorded for {self.result.reference}.")
        return super().get_success_url()


class RequestImpactView(RequestMixin, ServiceFormMixin, FormView):
    """At the end of the period: outcomes against what was intended, and the amount spent."""

    form_class = ImpactForm
    title = "Record the impact"
    submit_label = "Record impact"
    required_status = RequestStatus.APPROVED
    wrong_status_message = "Impact is recorded once, for an approved request: not for {ref} now."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            req = self.get_request_obj()
            if not (self.access.is_host or req.school_id in self.access.senco_schools):
                raise PermissionDenied("Only the school that asked or the host records impact.")
            if (response := self.wrong_status()) is not None:
                return response
            if not req.impact_open(timezone.localdate()):
                messages.info(
                    request,
                    f"The impact of {req.reference} is recorded at the end of its period: "
                    f"from {req.impact_opens_on:%-d %B %Y}.",
                )
                return redirect(self.get_back_url())
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"amount_spent": self.get_request_obj().amount_approved}

    def call_service(self, form):
        return services.request_record_impact(
            request=self.get_request_obj(), user=self.request.user, **form.cleaned_data
        )

    def get_success_url(self):
        messages.success(self.request, f"Impact recorded for {self.result.reference}.")
        return super().get_success_url()


class RequestWithdrawView(RequestMixin, ServiceFormMixin, FormView):
    form_class = WithdrawForm
    title = "Withdraw the request"
    submit_label = "Withdraw request"
    required_status = RequestStatus.SUBMITTED
    wrong_status_message = "Only a request awaiting review can be withdrawn: not {ref}."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            req = self.get_request_obj()
            if not (self.access.is_host or req.school_id in self.access.senco_schools):
                raise PermissionDenied("Only the school that asked or the host can withdraw.")
            if (response := self.wrong_status()) is not None:
                return response
        return super().dispatch(request, *args, **kwargs)

    def call_service(self, form):
        return services.request_withdraw(
            request=self.get_request_obj(),
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )

    def get_success_url(self):
        messages.success(self.request, f"Request {self.result.reference} withdrawn.")
        return super().get_success_url()


# ---- meetings ----------------------------------------------------------------------------------


class MeetingListView(ClusterMixin, SingleTableMixin, FormView):
    """The cluster's meetings; the host (or an LA officer) sets up a year's framework."""

    template_name = "clusters/meetings.html"
    table_class = MeetingTable
    form_class = FrameworkForm

    def get_table_data(self):
        return selectors.meetings(self.get_cluster())

    def post(self, request, *args, **kwargs):
        if not self.access.can_manage_meetings:
            raise PermissionDenied("Only the host or an LA officer arranges meetings.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            meetings = services.meeting_framework_create(
                cluster=self.get_cluster(),
                academic_year=form.cleaned_data["academic_year"],
                user=self.request.user,
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{len(meetings)} meetings set up for {meetings[0].academic_year_label}."
        )
        return redirect("clusters:meetings", pk=self.get_cluster().pk)


class MeetingMixin(ClusterMixin):
    def get_meeting(self) -> ClusterMeeting:
        if not hasattr(self, "_meeting"):
            self._meeting = get_object_or_404(
                ClusterMeeting.objects.filter(cluster=self.get_cluster()),
                pk=self.kwargs["meeting_pk"],
            )
        return self._meeting

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["meeting"] = self.get_meeting()
        return context


class MeetingDetailView(MeetingMixin, TemplateView):
    template_name = "clusters/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reviewed"] = list(
            selectors.requests_for(self.request.user, self.get_cluster(), self.access)
            .filter(meeting=self.get_meeting())
            .order_by("pk")
        )
        return context


class MeetingEditView(MeetingMixin, ServiceFormMixin, FormView):
    form_class = MeetingForm
    title = "Change the meeting"
    submit_label = "Save meeting"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.get_meeting()
            if not self.access.can_manage_meetings:
                raise PermissionDenied("Only the host or an LA officer changes meetings.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        m = self.get_meeting()
        return {
            "date": m.date,
            "session": m.session,
            "venue": m.venue,
            "status": m.status,
            "agenda": m.agenda,
            "minutes": m.minutes,
            "attendees": m.attendees,
        }

    def call_service(self, form):
        return services.meeting_update(
            meeting=self.get_meeting(), user=self.request.user, **form.cleaned_data
        )

    def get_back_url(self):
        return reverse(
            "clusters:meeting_detail", args=[self.get_cluster().pk, self.get_meeting().pk]
        )

    def get_success_url(self):
        messages.success(self.request, "Meeting saved.")
        return self.get_back_url()


# ---- the pot's division (R18) ---------------------------------------------------------------


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


# ---- Pupil Specific Funding (R15-R17) ------------------------------------------------------


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


# ---- the auxiliary aids fund (FAQ 10) ------------------------------------------------------


class AuxMixin(RoleRequiredMixin):
    def allowed(self, user):
        return is_la_officer(user) or is_school_user(user)


class AuxFundView(AuxMixin, ExportMixin, SingleTableMixin, TemplateView):
    """The fund's budget and balance, and its applications (a school sees its own)."""

    template_name = "clusters/aux_fund.html"
    table_class = AuxApplicationTable
    export_formats = EXPORT_FORMATS

    def get_export_filename(self, export_format):
        return f"auxiliary-aids-{self.fy.start_year}.{export_format}"

    def get_table_data(self):
        self.fy = _fy_param(self.request)
        self.fund = selectors.aux_fund(self.fy)
        if self.fund is None:
            return []
        return selectors.aux_applications_for(self.request.user, self.fund).order_by(
            "-submitted_at", "-pk"
        )

    def get_table_kwargs(self):
        return {"can_decide": is_la_officer(self.request.user)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fy"] = self.fy
        context["years"] = _year_choices(self.fy)
        context["fund"] = self.fund
        context["balance"] = selectors.fund_balance(self.fund) if self.fund else None
        context["is_la_officer"] = is_la_officer(self.request.user)
        return context


class AuxFundEditView(LAOfficerRequiredMixin, ServiceFormMixin, FormView):
    form_class = AuxFundForm
    submit_label = "Save the budget"

    def get_fy(self):
        return FinancialYear(self.kwargs["fy"])

    def get_initial(self):
        fund = selectors.aux_fund(self.get_fy())
        return {"budget": fund.budget, "notes": fund.notes} if fund else {}

    def get_context_data(self, **kwargs):
        kwargs["title"] = f"Auxiliary aids fund for FY {self.get_fy()}"
        return super().get_context_data(**kwargs)

    def call_service(self, form):
        return services.aux_fund_save(
            financial_year=self.get_fy().start_year, user=self.request.user, **form.cleaned_data
        )

    def get_back_url(self):
        return reverse("clusters:aux_fund") + f"?fy={self.get_fy().start_year}"

    def get_success_url(self):
        messages.success(self.request, "Budget saved.")
        return self.get_back_url()


class AuxApplyView(AuxMixin, ServiceFormMixin, FormView):
    form_class = AuxApplicationForm
    title = "Apply to the auxiliary aids fund"
    submit_label = "Send application"

    def get_fund(self):
        fund = selectors.aux_fund(FinancialYear.of(timezone.localdate()))
        if fund is None:
            raise Http404("There is no auxiliary aids fund this year.")
        return fund

    def schools(self):
        if is_la_officer(self.request.user):
            return School.objects.filter(la__is_administering=True).order_by("name")
        return School.objects.filter(pk__in=selectors.senco_school_ids(self.request.user)).order_by(
            "name"
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        schools = self.schools()
        today = timezone.localdate()
        kwargs["schools"] = schools
        kwargs["pupils"] = (
            Pupil.objects.filter(
                Q(placements__school__in=schools)
                & Q(placements__starts_on__lte=today)
                & (Q(placements__ends_on__isnull=True) | Q(placements__ends_on__gte=today))
            )
            .distinct()
            .order_by("family_name", "given_name")
        )
        return kwargs

    def call_service(self, form):
        return services.aux_application_submit(
            fund=self.get_fund(), user=self.request.user, **form.cleaned_data
        )

    def get_back_url(self):
        return reverse("clusters:aux_fund")

    def get_success_url(self):
        messages.success(self.request, f"Application {self.result.reference} sent.")
        return reverse("clusters:aux_fund")


class AuxDecideView(LAOfficerRequiredMixin, ServiceFormMixin, FormView):
    form_class = AuxDecisionForm
    title = "Decide the application"
    submit_label = "Record decision"

    def get_application(self) -> AuxiliaryAidsApplication:
        if not hasattr(self, "_application"):
            self._application = get_object_or_404(
                AuxiliaryAidsApplication.objects.select_related("fund", "school", "pupil"),
                pk=self.kwargs["pk"],
                status=ApplicationStatus.SUBMITTED,
            )
        return self._application

    def get_context_data(self, **kwargs):
        application = self.get_application()
        balance = selectors.fund_balance(application.fund)
        kwargs["application"] = application
        kwargs["intro"] = (
            f"{application.reference} from {application.school.name}: {application.adaptation} "
            f"for {application.child}. Asked for £{application.amount_requested:,.2f}; the fund "
            f"has £{balance.balance:,.2f} left of £{balance.budget:,.2f}."
        )
        return super().get_context_data(**kwargs)

    def call_service(self, form):
        data = form.cleaned_data
        return services.aux_application_decide(
            application=self.get_application(),
            approve=data["decision"] == "approve",
            amount_approved=data.get("amount_approved"),
            reasons=data.get("reasons") or "",
            user=self.request.user,
        )

    def get_back_url(self):
        return reverse("clusters:aux_fund") + f"?fy={self.get_application().fund.financial_year}"

    def get_success_url(self):
        messages.success(self.request, f"Decision recorded for {self.result.reference}.")
        return self.get_back_url()
