"""Payment pages (R24). Thin: check the role, scope the school (another school's is a 404),
call one selector or service, render or export.

LA finance officers: periods, per-school totals, generate / prepare / approve. A school's
business manager: its own remittance advice for approved periods; any other school is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView
from django_tables2 import SingleTableMixin

from funding.payments import selectors, services
from funding.payments.forms import PayableInvoiceForm
from funding.payments.journal import AGE_BANDS
from funding.payments.models import (
    InterLAInvoice,
    InvoiceStatus,
    PayableInvoice,
    PayableStatus,
    PaymentPeriod,
    PeriodKind,
    PeriodStatus,
)
from funding.payments.pdf import remittance_pdf
from funding.payments.tables import PeriodTable, RemittanceTable, SchoolTotalTable
from schools.access import LAOfficerRequiredMixin
from schools.exports import ExportMixin, download
from schools.models import LocalAuthority
from schools.roles import is_la_officer
from schools.selectors import administering_la

BAD_YEAR = "Choose a financial year between 2000 and 2099."
JOURNAL_NOT_APPROVED = "Approve the payments for {period} before exporting the journal."


class PeriodListView(LAOfficerRequiredMixin, SingleTableMixin, TemplateView):
    template_name = "payments/index.html"
    table_class = PeriodTable
    table_pagination = False

    def get_table_data(self):
        return selectors.periods()

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kinds": PeriodKind.choices}


class PeriodsCreateView(LAOfficerRequiredMixin, View):
    def post(self, request):
        raw, kind = request.POST.get("financial_year", ""), request.POST.get("kind", "")
        kinds = ("", *PeriodKind.values)
        if not raw.isdigit() or not 2000 <= int(raw) <= 2099 or kind not in kinds:
            messages.error(request, BAD_YEAR)
            return redirect("payments:index")
        made = services.payment_periods_create(
            financial_year=int(raw), kind=kind or None, user=request.user
        )
        messages.success(request, f"FY {made[0].fy} has {len(made)} payment periods.")
        return redirect("payments:index")


class PeriodMixin:
    @cached_property
    def period(self) -> PaymentPeriod:
        return get_object_or_404(
            PaymentPeriod.objects.select_related("prepared_by", "approved_by"),
            pk=self.kwargs["period"],
        )


class PeriodDetailView(LAOfficerRequiredMixin, PeriodMixin, ExportMixin, SingleTableMixin,
                       TemplateView):  # fmt: skip
    template_name = "payments/period.html"
    table_class = SchoolTotalTable
    table_pagination = False
    export_title = "Payments"

    def get_table_data(self):
        return selectors.school_totals(self.period)

    def get_table_kwargs(self):
        return {"period": self.period}

    def get_export_filename(self, export_format):
        p = self.period
        return f"payments-fy{p.financial_year}-period-{p.index}.{export_format}"

    def get_context_data(self, **kwargs):
        p = self.period
        user = self.request.user
        totals = selectors.school_totals(p)
        return {
            **super().get_context_data(**kwargs),
            "period": p,
            "total": sum((t.total for t in totals), services.ZERO),
            "earlier_unapproved": selectors.unapproved_earlier(p),
            "can_generate": p.status == PeriodStatus.DRAFT,
            "can_prepare": p.status == PeriodStatus.DRAFT and p.generated_at is not None,
            "can_approve": p.status == PeriodStatus.PREPARED and p.prepared_by_id != user.pk,
            "history": list(p.history.select_related("history_user")[:10]),
        }


class _PeriodAction(LAOfficerRequiredMixin, PeriodMixin, View):
    done = ""

    def act(self):
        raise NotImplementedError

    def post(self, request, period):
        try:
            self.act()
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.done.format(period=self.period.label))
        return redirect("payments:period", period=self.period.pk)


class PeriodGenerateView(_PeriodAction):
    done = "Payments for {period} are being generated, one school at a time."

    def act(self):
        services.payment_period_generate(period=self.period)


class PeriodPrepareView(_PeriodAction):
    done = "Payments for {period} prepared: another officer must approve them."

    def act(self):
        services.payment_period_prepare(period=self.period, user=self.request.user)


class PeriodApproveView(_PeriodAction):
    done = "Payments for {period} approved: they can no longer change."

    def act(self):
        services.payment_period_approve(period=self.period, user=self.request.user)


class SchoolScopedMixin(LoginRequiredMixin):
    @cached_property
    def school(self):
        school = selectors.remittance_school(self.request.user, self.kwargs["urn"])
        if school is None:
            raise Http404("No such school")
        return school


class RemittanceView(SchoolScopedMixin, ExportMixin, SingleTableMixin, TemplateView):
    """A school's remittance advice for a period: pupil by pupil, with back-pay and recovery."""

    template_name = "payments/remittance.html"
    table_class = RemittanceTable
    table_pagination = False
    export_title = "Remittance"

    @cached_property
    def period(self) -> PaymentPeriod:
        period = selectors.remittance_period(self.request.user, self.kwargs["period"])
        if period is None:
            raise Http404("No such payment period")
        return period

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.school, self.period  # noqa: B018 - 404 before anything else
        return super().dispatch(request, *args, **kwargs)

    def get_table_data(self):
        return selectors.remittance_lines(self.period, self.school)

    def get_table_kwargs(self):
        return {"period": self.period}

    def get_export_filename(self, export_format):
        p = self.period
        return f"remittance-{self.school.urn}-fy{p.financial_year}-{p.index}.{export_format}"

    def get_context_data(self, **kwargs):
        lines = list(self.get_table_data())
        return {
            **super().get_context_data(**kwargs),
            "school": self.school,
            "period": self.period,
            "total": sum((line.amount for line in lines), services.ZERO),
            "changes": selectors.remittance_changes(self.period, self.school, lines),
            "paid_as": lines[0].get_paid_as_display() if lines else "",
            "is_la_officer": is_la_officer(self.request.user),
        }


class RemittancePdfView(RemittanceView):
    """The same remittance advice as a PDF (same scoping: another school's is a 404)."""

    def get(self, request, *args, **kwargs):
        p, school = self.period, self.school
        lines = list(self.get_table_data())
        table = RemittanceTable(lines, period=p)
        rows = [
            [
                line.pupil.upn if line.pupil else "-",
                table.render_initials(line),
                table.render_year(line),
                line.get_element_display(),
                line.get_reason_kind_display(),
                line.school_days,
                line.amount,
                line.reason,
            ]
            for line in lines
        ]
        total = sum((line.amount for line in lines), services.ZERO)
        content = remittance_pdf(
            title=f"Remittance advice: {school.name} (URN {school.urn}), {p.label}",
            facts=[
                ("Financial year", str(p.fy)),
                ("Paid on", f"{p.pay_on:%-d %B %Y}"),
                ("Paid as", lines[0].get_paid_as_display() if lines else "-"),
                ("Records as they stood at", f"the end of {p.cut_off:%-d %B %Y}"),
            ],
            changes=selectors.remittance_changes(p, school, lines),
            rows=rows,
            total=total,
        )
        response = HttpResponse(content, content_type="application/pdf")
        name = self.get_export_filename("pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class SchoolRemittancesView(SchoolScopedMixin, TemplateView):
    template_name = "payments/school.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.school  # noqa: B018 - 404 before anything else
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "school": self.school,
            "periods": selectors.school_remittance_periods(self.school, self.request.user),
        }


# ---- finance-system journal ----------------------------------------------------------------


class JournalView(LAOfficerRequiredMixin, PeriodMixin, View):
    """The approved period's journal for the finance system (CSV by default, ?format=xlsx)."""

    def get(self, request, period):
        p = self.period
        if not p.is_approved:
            messages.error(request, JOURNAL_NOT_APPROVED.format(period=p.label))
            return redirect("payments:period", period=p.pk)
        sheet = selectors.finance_journal(p, administering_la())
        fmt = request.GET.get("format", "csv")
        return download(sheet, fmt, f"journal-fy{p.financial_year}-period-{p.index}")


# ---- inter-LA invoices ---------------------------------------------------------------------


class InvoiceListView(LAOfficerRequiredMixin, TemplateView):
    template_name = "payments/invoices.html"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        status = status if status in InvoiceStatus.values else ""
        return {
            **super().get_context_data(**kwargs),
            "invoices": selectors.invoices(status or None),
            "status": status,
            "statuses": InvoiceStatus.choices,
            "bands": AGE_BANDS,
            "aged": selectors.aged_debt(timezone.localdate()),
            "payables": selectors.payables(),
            "aged_payable": selectors.aged_creditors(timezone.localdate()),
        }


class InvoicesIssueView(_PeriodAction):
    done = "Invoices to other LAs for {period} issued."

    def act(self):
        services.interla_invoices_issue(period=self.period, user=self.request.user)


class InvoiceMixin:
    @cached_property
    def invoice(self) -> InterLAInvoice:
        return get_object_or_404(
            InterLAInvoice.objects.select_related("period", "payer_la", "issued_by"),
            pk=self.kwargs["pk"],
        )


class InvoiceDetailView(LAOfficerRequiredMixin, InvoiceMixin, TemplateView):
    template_name = "payments/invoice.html"

    def get_context_data(self, **kwargs):
        inv = self.invoice
        return {
            **super().get_context_data(**kwargs),
            "invoice": inv,
            "lines": selectors.invoice_lines(inv),
            "history": list(inv.history.select_related("history_user")),
            "moves": [
                (to, InvoiceStatus(to).label)
                for to, froms in services.INVOICE_MOVES.items()
                if inv.status in froms
            ],
        }


class InvoiceUpdateView(LAOfficerRequiredMixin, InvoiceMixin, View):
    def post(self, request, pk):
        to, reason = request.POST.get("to", ""), request.POST.get("reason", "")
        move = {
            InvoiceStatus.PAID: lambda: services.interla_invoice_mark_paid(
                invoice=self.invoice, user=request.user
            ),
            InvoiceStatus.DISPUTED: lambda: services.interla_invoice_dispute(
                invoice=self.invoice, user=request.user, reason=reason
            ),
            InvoiceStatus.CREDITED: lambda: services.interla_invoice_credit(
                invoice=self.invoice, user=request.user, reason=reason
            ),
        }.get(to)
        if move is None:
            messages.error(request, "Choose what happened to the invoice.")
        else:
            try:
                invoice = move()
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request, f"Invoice {invoice.number}: {invoice.get_status_display().lower()}."
                )
        return redirect("payments:invoice", pk=self.invoice.pk)


# ---- our payable side: bills from other LAs ------------------------------------------------


class PayableCreateView(LAOfficerRequiredMixin, FormView):
    """Record a bill another LA sent us for our pupils in its schools."""

    template_name = "payments/payable_form.html"
    form_class = PayableInvoiceForm

    def get_context_data(self, **kwargs):
        la = LocalAuthority.objects.filter(is_administering=True).first()
        elsewhere = selectors.our_pupils_elsewhere(la.pk, timezone.localdate()) if la else []
        return {**super().get_context_data(**kwargs), "elsewhere": elsewhere[:200]}

    def form_valid(self, form):
        try:
            bill = services.payable_invoice_record(**form.cleaned_data, user=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{bill.from_la.name}'s invoice {bill.reference} recorded.")
        return redirect("payments:payable", pk=bill.pk)


class PayableMixin:
    @cached_property
    def bill(self) -> PayableInvoice:
        return get_object_or_404(
            PayableInvoice.objects.select_related("from_la", "recorded_by"), pk=self.kwargs["pk"]
        )


class PayableDetailView(LAOfficerRequiredMixin, PayableMixin, TemplateView):
    template_name = "payments/payable.html"

    def get_context_data(self, **kwargs):
        bill = self.bill
        return {
            **super().get_context_data(**kwargs),
            "bill": bill,
            "history": list(bill.history.select_related("history_user")),
            "moves": [
                (to, PayableStatus(to).label)
                for to, froms in services.PAYABLE_MOVES.items()
                if bill.status in froms
            ],
        }


class PayableUpdateView(LAOfficerRequiredMixin, PayableMixin, View):
    def post(self, request, pk):
        to, reason = request.POST.get("to", ""), request.POST.get("reason", "")
        if to not in services.PAYABLE_MOVES:
            messages.error(request, "Choose what happened to the bill.")
            return redirect("payments:payable", pk=self.bill.pk)
        try:
            bill = services.payable_invoice_move(
                bill=self.bill, to=to, user=request.user, reason=reason
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, f"Invoice {bill.reference}: {bill.get_status_display().lower()}."
            )
        return redirect("payments:payable", pk=self.bill.pk)
