"""The auxiliary aids fund (FAQ 10): the fund's budget, balance and applications, setting the
budget, a school applying, and the LA officer's decision.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView
from django_tables2 import SingleTableMixin

from clusters import selectors, services
from clusters.forms import AuxApplicationForm, AuxDecisionForm, AuxFundForm
from clusters.models import ApplicationStatus, AuxiliaryAidsApplication
from clusters.tables import AuxApplicationTable
from clusters.views.base import (
    EXPORT_FORMATS,
    RoleRequiredMixin,
    ServiceFormMixin,
    _fy_param,
    _year_choices,
)
from pupils.models import Pupil
from schools.access import LAOfficerRequiredMixin
from schools.dates import FinancialYear
from schools.exports import ExportMixin
from schools.models import School
from schools.roles import is_la_officer, is_school_user


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
