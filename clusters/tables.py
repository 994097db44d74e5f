"""Tables for cluster pages (django-tables2 with the GOV.UK template; CSV/XLSX export)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from clusters.models import ApplicationStatus, AuxiliaryAidsApplication, ClusterRequest
from funding.tables import MoneyColumn

NUMERIC = {"td": {"class": "app-numeric"}}
TOTAL_ROW = "govuk-!-font-weight-bold"
STATUS_COLOURS = {
    "submitted": "govuk-tag--blue",
    "approved": "govuk-tag--green",
    "declined": "govuk-tag--red",
    "impact_recorded": "govuk-tag--grey",
    "withdrawn": "govuk-tag--grey",
}


class NumberColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        super().__init__(*args, **kwargs)


def tag(status: str, label: str) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATUS_COLOURS.get(status, ""), label
    )


class ComparisonTable(tables.Table):
    """Every cluster side by side (LA officers): the year's share, spending, per pupil."""

    aria_label = "Clusters compared"

    name = tables.Column(verbose_name="Cluster")
    host_school = tables.Column(verbose_name="Host school")
    schools = NumberColumn(verbose_name="Schools")
    pupils = NumberColumn(verbose_name="Pupils on roll")
    share = MoneyColumn(verbose_name="Share of pot")
    pot_per_pupil = MoneyColumn(verbose_name="Pot per pupil", total=False)
    approved = MoneyColumn(verbose_name="Approved")
    approved_per_pupil = MoneyColumn(verbose_name="Approved per pupil", total=False)
    committed = MoneyColumn(verbose_name="Committed")
    spent = MoneyColumn(verbose_name="Spent")
    remaining = MoneyColumn(verbose_name="Remaining")
    awaiting_review = NumberColumn(verbose_name="Awaiting review")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "There are no clusters."
        orderable = True

    def render_name(self, record):
        url = reverse("clusters:detail", args=[record.cluster_id])
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.name)

    def value_name(self, record):
        return record.name


class RequestTable(tables.Table):
    aria_label = "Cluster requests"
    reference = tables.Column(verbose_name="Reference", accessor="pk", order_by=("pk",))
    school = tables.Column(verbose_name="School", accessor="school__name")
    category = tables.Column(verbose_name="For")
    for_whom = tables.Column(verbose_name="Pupil or group", orderable=False)
    amount_requested = MoneyColumn(verbose_name="Asked for")
    amount_approved = MoneyColumn(verbose_name="Approved")
    amount_spent = MoneyColumn(verbose_name="Spent")
    starts_on = tables.DateColumn(verbose_name="From", format="j M Y")
    ends_on = tables.DateColumn(verbose_name="To", format="j M Y")
    status = tables.Column(verbose_name="Status")
    meeting = tables.Column(verbose_name="Reviewed at", accessor="meeting__date", default="—")

    class Meta:
        model = ClusterRequest
        fields = (
            "reference",
            "school",
            "category",
            "for_whom",
            "amount_requested",
            "amount_approved",
            "amount_spent",
            "starts_on",
            "ends_on",
            "status",
            "meeting",
        )
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No requests match these filters."
        per_page = 25

    def render_reference(self, record):
        url = reverse("clusters:request_detail", args=[record.cluster_id, record.pk])
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.reference)

    def value_reference(self, record):
        return record.reference

    def __init__(self, *args, access=None, **kwargs):
        #: whose pupils' UPNs the viewer sees (`ClusterAccess.sees_pupils_of`); None: nobody's
        self.access = access
        super().__init__(*args, **kwargs)

    def render_for_whom(self, record):
        if (
            record.pupil_id
            and self.access is not None
            and self.access.sees_pupils_of(record.school_id)
        ):
            return f"{record.for_whom} ({record.pupil.upn})"
        return record.for_whom

    def value_for_whom(self, record):
        return self.render_for_whom(record)

    def render_status(self, record):
        label = record.get_status_display()
        if record.decision == "approved_different_amount" and record.status == "approved":
            label = "Approved (different amount)"
        return tag(record.status, label)

    def value_status(self, record):
        return record.get_status_display()

    def render_meeting(self, value):
        return f"{value:%-d %b %Y}"


class SharesTable(tables.Table):
    aria_label = "Each cluster's share"
    name = tables.Column(verbose_name="Cluster")
    schools = NumberColumn(verbose_name="Member schools")
    pupils = NumberColumn(verbose_name="Pupils on roll")
    fixed = MoneyColumn(verbose_name="Fixed sums")
    per_pupil = MoneyColumn(verbose_name="By pupils")
    share = MoneyColumn(verbose_name="Share")
    working = tables.Column(verbose_name="Working", orderable=False)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No clusters have member schools on that date."
        orderable = False


class ProfileTable(tables.Table):
    """Member schools' SEND profile: counts only, never pupils."""

    aria_label = "Member schools' SEND profile"

    name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    phase = tables.Column(verbose_name="Phase")
    census_date = tables.DateColumn(verbose_name="Census", format="j M Y", default="None")
    roll = NumberColumn(verbose_name="Reception to Year 11")
    ehc_plans = NumberColumn(verbose_name="EHC plans")
    ehc_percent = NumberColumn(verbose_name="EHC plans %", default="—")
    sen_support = NumberColumn(verbose_name="SEN support")
    sen_support_percent = NumberColumn(verbose_name="SEN support %", default="—")
    psf_pupils = NumberColumn(verbose_name="Pupils with PSF")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "The cluster has no member schools today."
        orderable = False


class ForecastTable(tables.Table):
    """PSF still protected and released per school, one pair of columns a year (built per
    request with `extra_columns`)."""

    aria_label = "Cluster forecast by school"

    export_total = False  # the view's rows end with their own total row

    school = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN", default="")
    pupils = NumberColumn(verbose_name="Pupils with PSF")
    baseline = MoneyColumn(verbose_name="PSF a year on the basis date")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        orderable = False
        empty_text = "No pupils have Pupil Specific Funding."
        row_attrs = {"class": lambda record: TOTAL_ROW if record.get("is_total") else ""}


class PsfPupilTable(tables.Table):
    aria_label = "Pupils with Pupil Specific Funding"
    name = tables.Column(verbose_name="Pupil")
    upn = tables.Column(verbose_name="UPN")
    date_of_birth = tables.DateColumn(verbose_name="Date of birth", format="j M Y")
    school_name = tables.Column(verbose_name="School")
    support = tables.Column(verbose_name="Support")
    protected = MoneyColumn(verbose_name="Protected a year", default="Not recorded")
    annual = MoneyColumn(verbose_name="PSF a year")
    working = tables.Column(verbose_name="How PSF is worked out", orderable=False)
    ends_on = tables.DateColumn(verbose_name="PSF ends", format="j M Y", default="Not set")
    end_rule = tables.Column(verbose_name="Rule")
    ends_text = tables.Column(verbose_name="Why it ends", orderable=False)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        per_page = 50
        empty_text = "No pupils have Pupil Specific Funding today."

    def render_name(self, record):
        url = reverse("pupils:detail", args=[record.upn])
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.name)

    def value_name(self, record):
        return record.name


class MeetingTable(tables.Table):
    aria_label = "Cluster meetings"
    title = tables.Column(verbose_name="Meeting", accessor="number", orderable=False)
    date = tables.DateColumn(verbose_name="Date", format="j M Y")
    session = tables.Column(verbose_name="Half day")
    venue = tables.Column(verbose_name="Venue")
    status = tables.Column(verbose_name="Status")
    reviewed = NumberColumn(verbose_name="Requests reviewed")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        orderable = False
        empty_text = "No meetings yet: set up the year's framework."

    def render_title(self, record):
        url = reverse("clusters:meeting_detail", args=[record.cluster_id, record.pk])
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.title)


class AuxApplicationTable(tables.Table):
    aria_label = "Applications to the auxiliary fund"
    reference = tables.Column(verbose_name="Reference", accessor="pk")
    school = tables.Column(verbose_name="School", accessor="school__name")
    child = tables.Column(verbose_name="The child", orderable=False)
    adaptation = tables.Column(verbose_name="Adaptation", orderable=False)
    amount_requested = MoneyColumn(verbose_name="Asked for")
    amount_approved = MoneyColumn(verbose_name="Approved")
    status = tables.Column(verbose_name="Status")
    submitted_at = tables.DateTimeColumn(verbose_name="Received", format="j M Y")
    decide = tables.Column(
        verbose_name="", accessor="pk", orderable=False, exclude_from_export=True
    )

    class Meta:
        model = AuxiliaryAidsApplication
        fields = (
            "reference",
            "school",
            "child",
            "adaptation",
            "amount_requested",
            "amount_approved",
            "status",
            "submitted_at",
        )
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No applications yet."
        per_page = 25

    def __init__(self, *args, can_decide: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_decide:
            self.columns.hide("decide")

    def render_reference(self, record):
        return record.reference

    def value_reference(self, record):
        return record.reference

    def render_status(self, record):
        colour = {"submitted": "blue", "approved": "green", "declined": "red"}[record.status]
        return format_html(
            '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
            colour,
            record.get_status_display(),
        )

    def value_status(self, record):
        return record.get_status_display()

    def render_decide(self, record):
        if record.status != ApplicationStatus.SUBMITTED:
            return ""
        url = reverse("clusters:aux_decide", args=[record.pk])
        return format_html(
            '<a class="govuk-link" href="{}">Decide'
            '<span class="govuk-visually-hidden"> {}</span></a>',
            url,
            record.reference,
        )
