"""django-tables2 tables for the report pages (GOV.UK template set in settings); every table
exports to CSV and Excel with raw Decimal pounds."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from funding.tables import MoneyColumn
from funding.templatetags.funding_money import gbp

NUMERIC = {"td": {"class": "app-numeric"}, "th": {"class": "app-numeric"}}


class CountColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        super().__init__(*args, **kwargs)


class InitialReportTable(tables.Table):
    """R21 stage one: each school's money with and without plans (the LA's initial report)."""

    aria_label = "Initial allocation by school"

    name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    phase_label = tables.Column(verbose_name="Phase", order_by=("phase",))
    type_label = tables.Column(verbose_name="Type", order_by=("establishment_type",))
    pupils_with_plans = CountColumn(verbose_name="Pupils with plans")
    top_up = MoneyColumn(verbose_name="Top-ups")
    psf = MoneyColumn(verbose_name="PSF")
    supplements = MoneyColumn(verbose_name="Supplements and ENF")
    additional_sen_support = MoneyColumn(verbose_name="Additional SEN Support")
    place = MoneyColumn(verbose_name="Place funding")
    with_plans = MoneyColumn(verbose_name="With plans")
    notional_sen = MoneyColumn(verbose_name="Without plans (notional SEN)")
    total = MoneyColumn(verbose_name="Total")
    retained_centrally = MoneyColumn(verbose_name="Retained centrally (in kind)")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        order_by = ("name",)
        empty_text = "No school has money in this run."

    def __init__(self, *args, fy=None, **kwargs):
        self.fy = fy
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        url = reverse("reports:final_school", args=[self.fy, record.urn]) if self.fy else ""
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.name)

    def value_name(self, record):
        return record.name


class FinalReportTable(tables.Table):
    """R21 stage two: one row per school, initial, final, difference and why (its elements'
    reasons); the school's name opens its report element by element (the drill-down)."""

    aria_label = "Final allocation by school"

    school_name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    initial = MoneyColumn(verbose_name="Initial")
    final = MoneyColumn(verbose_name="Final")
    difference = MoneyColumn(verbose_name="Difference", signed=True, order_by=("difference",))
    reasons = tables.Column(verbose_name="Why", orderable=False, empty_values=())

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No differences between the two runs."

    def __init__(self, *args, fy=None, query="", **kwargs):
        self.fy = fy
        self.query = query
        super().__init__(*args, **kwargs)

    def render_school_name(self, record):
        url = reverse("reports:final_school", args=[self.fy, record.urn]) + self.query
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">: each '
            "element and pupil</span></a>",
            url,
            record.school_name,
        )

    def value_school_name(self, record):
        return record.school_name

    def render_reasons(self, value, record):
        if not record.difference and not record.changed_elements:
            return "No change"
        return value or "See the school's report"


class CrossBorderTable(tables.Table):
    """R8: per other LA, what we charge them and what we pay them."""

    aria_label = "Cross-border top-ups"

    la_name = tables.Column(accessor="la__name", verbose_name="Local authority")
    la_code = tables.Column(accessor="la__code", verbose_name="Code")
    charge_pupils = CountColumn(verbose_name="Their pupils in our schools")
    charge = MoneyColumn(verbose_name="We charge them")
    pay_pupils = CountColumn(verbose_name="Our pupils in their schools")
    pay = MoneyColumn(verbose_name="We pay them")
    net = MoneyColumn(verbose_name="Net (owed to us)", signed=True)
    statements = tables.Column(
        verbose_name="Statements", empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No pupils cross the border in this run."

    def __init__(self, *args, fy=None, run=None, **kwargs):
        self.fy = fy
        self.run = run
        super().__init__(*args, **kwargs)

    def render_statements(self, record):
        links = []
        for direction, label, count in (
            ("charge", "charge", record.charge_pupils),
            ("pay", "payment", record.pay_pupils),
        ):
            if count:
                url = reverse(
                    "reports:cross_border_statement", args=[self.fy, record.la.code, direction]
                )
                links.append(
                    format_html(
                        '<a class="govuk-link" href="{}?run={}">{} statement'
                        '<span class="govuk-visually-hidden"> for {}</span></a>',
                        url,
                        self.run.pk,
                        label.capitalize(),
                        record.la.name,
                    )
                )
        return format_html_join(", ", "{}", ((link,) for link in links))


class StatementTable(tables.Table):
    """A cross-border statement: each pupil's periods with the working."""

    aria_label = "SEN funding by school"

    upn = tables.Column(verbose_name="UPN")
    name = tables.Column(verbose_name="Pupil")
    date_of_birth = tables.DateColumn(verbose_name="Date of birth", format="j M Y")
    school = tables.Column()
    school_urn = tables.Column(verbose_name="URN")
    element_label = tables.Column(verbose_name="Element")
    period_from = tables.DateColumn(verbose_name="From", format="j M Y")
    period_to = tables.DateColumn(verbose_name="To", format="j M Y")
    school_days = CountColumn(verbose_name="School days")
    annual_amount = MoneyColumn(verbose_name="Annual", total=False)
    line_amount = MoneyColumn(verbose_name="Period amount", total=False)
    amount = MoneyColumn(verbose_name="Charged in this statement")
    working = tables.Column(attrs={"td": {"class": "app-working"}}, orderable=False)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        orderable = False
        empty_text = "Nothing in this period."


class ImportExportTable(tables.Table):
    aria_label = "Import/export adjustment by local authority"
    la_name = tables.Column(verbose_name="Local authority")
    la_code = tables.Column(verbose_name="Code")
    imported = CountColumn(verbose_name="Their residents in our schools (import)")
    exported = CountColumn(verbose_name="Our residents in their schools (export)")
    net = CountColumn(verbose_name="Net import")
    adjustment = MoneyColumn(verbose_name="Adjustment", signed=True)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        orderable = False
        empty_text = "No high-needs pupils cross the border on the census date."


class CountedPupilTable(tables.Table):
    aria_label = "The pupils counted"
    direction = tables.Column(verbose_name="Counted as")
    upn = tables.Column(verbose_name="UPN")
    name = tables.Column(verbose_name="Pupil")
    home_la = tables.Column(verbose_name="Lives in (home LA)")
    school = tables.Column()
    school_la = tables.Column(verbose_name="School's LA")
    placement = tables.Column()

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        orderable = False


class AnnexBTable(tables.Table):
    """The per-school list an LA publishes (no pupil data)."""

    aria_label = "Annex B: SEN funding by school"

    urn = tables.Column(verbose_name="URN")
    name = tables.Column(verbose_name="School")
    phase = tables.Column()
    establishment_type = tables.Column(verbose_name="Type")
    notional_sen = MoneyColumn(verbose_name="Notional SEN budget (element 2)")
    # No total: with suppressed schools it would reveal their top-up (total − published).
    top_up = MoneyColumn(verbose_name="Top-up funding (element 3)", total=False)
    place = MoneyColumn(verbose_name="Place funding")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        order_by = ("name",)
        empty_text = "No schools."

    def __init__(self, *args, public: bool = True, **kwargs):
        self.public = public
        super().__init__(*args, **kwargs)

    def render_top_up(self, value, record):
        if self.public and not record.top_up_published:
            return "Not published (fewer than 3 pupils)"
        return gbp(value)

    def value_top_up(self, value, record):
        if self.public and not record.top_up_published:
            return "not published (fewer than 3 pupils)"
        return value
