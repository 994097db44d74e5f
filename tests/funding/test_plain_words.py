"""School-facing and home pages speak plain English: no rule numbers ("(R10)"), no "Retained
centrally (R6)", no LA codes ("paid by LA 999"), no census codes ("MLD"); a glossary explains
the abbreviations. Officers keep the rule numbers in a statement's working."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from funding import services
from funding.models import RunStatus
from schools.glossary import TERMS
from tests import factories
from tests.funding import builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
#: A rule number as DOMAIN.md writes it: R1 .. R26, with or without a "+".
RULE_NUMBER = re.compile(r"\bR\d{1,2}\b")


class _Text(HTMLParser):
    """The page's visible text (not its markup, scripts or styles)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def text_of(response) -> str:
    parser = _Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def world(home_la, scheme):
    """A school with a pupil whose LST hours the LA provides in kind (R6), and a done run."""
    scheme.hourly_rates.filter(role="lst", phase="primary").update(delegated=False)
    school = b.school(home_la, "Meadow Primary", urn=111111)
    b.census(school, dt.date(2025, 1, 16), **b.primary_roll(30))
    pupil = b.pupil(home_la)
    b.place(pupil, school)
    b.plan(pupil, lsa=20, lst=2)
    run = services.run_allocation(fy=2025, kind="initial")
    assert run.status == RunStatus.DONE
    return {
        "school": school,
        "manager": factories.school_manager(school, username="manager1"),
        "officer": factories.la_officer(username="officer1"),
    }


def test_r6_school_statement_has_no_rule_numbers_and_says_in_kind_in_words(client, world):
    client.force_login(world["manager"])
    text = text_of(client.get(reverse("funding:statement", args=[111111, 2025])))
    assert RULE_NUMBER.findall(text) == []
    assert "Retained centrally" not in text
    assert "Provided in kind by the LA" in text
    # The payer by its name, never "LA 999".
    assert "paid by Demo Borough" in text
    assert "LA 999" not in text


def test_officers_keep_the_rule_numbers_in_the_working(client, world):
    client.force_login(world["officer"])
    text = text_of(client.get(reverse("funding:statement", args=[111111, 2025])))
    assert "R5" in text


@pytest.mark.parametrize("who", ["manager", "officer"])
def test_r10_home_page_has_no_rule_numbers(client, world, who):
    client.force_login(world[who])
    text = text_of(client.get(reverse("home")))
    assert RULE_NUMBER.findall(text) == []


def test_pupil_list_shows_the_primary_need_in_words_not_its_code(client, world):
    client.force_login(world["officer"])
    text = text_of(client.get(reverse("pupils:list")))
    assert "Autistic spectrum disorder" in text  # builders.plan records ASD
    assert " ASD " not in f" {text} "


def test_glossary_explains_each_abbreviation_and_is_linked_from_every_page(client, world):
    response = client.get(reverse("glossary"))  # open to everyone: it holds no data
    assert response.status_code == 200
    text = text_of(response)
    for word in ("AWPU", "LSA", "LST", "IDACI", "PSF", "ENF", "IAR", "EHCP", "Top-up"):
        assert word in text, word
    assert "Place funding" in text and "Notional SEN budget" in text
    assert len({t.anchor for t in TERMS}) == len(TERMS)
    client.force_login(world["manager"])
    assert reverse("glossary") in client.get(reverse("home")).content.decode()
