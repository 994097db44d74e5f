"""A cluster's requests (request -> review -> impact): the list with export, a request and its
history, asking, the host's review, the impact record, and withdrawing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from clusters import selectors, services
from clusters.filters import RequestFilter
from clusters.forms import ImpactForm, RequestForm, ReviewForm, WithdrawForm
from clusters.models import ClusterMeeting, ClusterRequest, MeetingStatus, RequestStatus
from clusters.tables import RequestTable
from clusters.views.base import EXPORT_FORMATS, ClusterMixin, ServiceFormMixin
from schools.exports import ExportMixin
from schools.models import School


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
