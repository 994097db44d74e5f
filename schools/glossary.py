"""The glossary page: the service's abbreviations and funding terms in plain English.

Open to everyone (it holds no data), linked from every page's footer. The words are those of the
domain (DOMAIN.md, "Vocabulary"), written for a school business manager or a governor.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.views.generic import TemplateView


@dataclass(frozen=True)
class Term:
    anchor: str
    term: str
    meaning: str


TERMS = (
    Term(
        "awpu",
        "AWPU (age-weighted pupil unit)",
        "The basic amount a school gets for every pupil on roll, set by key stage (primary, key "
        "stage 3, key stage 4). It is element 1 of a school's funding.",
    ),
    Term(
        "notional-sen",
        "Notional SEN budget",
        "The part of a school's ordinary budget that is meant for special educational needs "
        "(element 2). It is worked out from the school's formula factors, such as deprivation and "
        "low prior attainment. Schools meet the first part of each pupil's extra support from it "
        "(the threshold, usually £6,000) before any top-up is paid.",
    ),
    Term(
        "threshold",
        "Threshold",
        "What a school pays from its own budget towards a pupil's extra support before the LA "
        "adds a top-up. Usually £6,000 a year; some LAs count the pupil's AWPU as well.",
    ),
    Term(
        "top-up",
        "Top-up (element 3)",
        "Money paid for one pupil with a plan, for support that costs more than the threshold. "
        "The LA the pupil lives in (their home LA) pays it, even if the school is in another LA. "
        "It is also called the IAR.",
    ),
    Term(
        "iar",
        "IAR (individually assigned resource)",
        "Another name for a pupil's top-up: money assigned to one pupil because of their plan.",
    ),
    Term(
        "place-funding",
        "Place funding",
        "A fixed amount a year (often £10,000) for each planned place at a special school, "
        "special support centre or alternative provision, paid whether or not the place is "
        "filled. A top-up is paid on top for each pupil in a place.",
    ),
    Term(
        "ehcp",
        "EHCP (education, health and care plan)",
        "The legal plan that sets out a child's special educational needs and the support they "
        "must get. Plans made before 2014 are called statements of SEN. Each plan is reviewed "
        "every year at its annual review.",
    ),
    Term(
        "lsa",
        "LSA (learning support assistant)",
        "A member of staff who supports a pupil in class. A plan may name a number of LSA hours "
        "a week, which the top-up pays for at the LA's hourly rate.",
    ),
    Term(
        "lst",
        "LST (learning support teacher)",
        "A specialist teacher who works with a pupil for some hours a week. Some LAs provide LST "
        "time themselves instead of paying the school for it (provided in kind).",
    ),
    Term(
        "ta",
        "TA (teaching assistant)",
        "Classroom support staff. Some LAs set top-ups by the number of TA hours a week a pupil "
        "needs.",
    ),
    Term(
        "idaci",
        "IDACI (income deprivation affecting children index)",
        "A government measure of how deprived the area a pupil lives in is. It is one of the "
        "formula factors used to work out a school's notional SEN budget.",
    ),
    Term(
        "psf",
        "PSF (Pupil Specific Funding)",
        "Money some LAs paid for an individual pupil with a statement under an older scheme. It "
        "continues until the pupil finishes their current phase of education or changes school, "
        "and is then passed to the school clusters instead.",
    ),
    Term(
        "enf",
        "ENF (exceptional needs funding)",
        "Extra money the SEN Panel can agree for a pupil whose needs are exceptional, for "
        "example a short-term intervention or in a crisis, usually for a limited time.",
    ),
    Term(
        "personal-supplement",
        "Personal supplement",
        "An extra amount the SEN Panel agrees for a pupil whose needs go beyond what elements 1 "
        "and 2 and the top-up cover.",
    ),
    Term(
        "home-la",
        "Home LA",
        "The local authority where a pupil lives. It pays the pupil's top-up, even when the "
        "pupil goes to a school in another LA.",
    ),
    Term(
        "financial-year",
        "Financial year (FY)",
        "1 April to 31 March. Budgets and allocations are made for a financial year; school "
        "places and phases follow the academic year (1 September to 31 August).",
    ),
    Term(
        "delegated",
        "Delegated or provided in kind",
        "Delegated money is paid to the school to spend. Money the LA keeps to provide the "
        "support itself (for example a learning support teacher's time) is provided in kind.",
    ),
    Term(
        "monthly-return",
        "Monthly return",
        "A list the LA sends each school every month of its pupils with plans. The school "
        "confirms each pupil is on roll and their support is right, or says what has changed.",
    ),
    Term(
        "cluster",
        "Cluster",
        "A group of schools that share part of the SEN money and decide together how to spend it.",
    ),
)


class GlossaryView(TemplateView):
    template_name = "glossary.html"
    extra_context = {"terms": TERMS}
