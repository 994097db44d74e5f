"""Issue 17 (Low): two managers answering one return line at once, and a generation cut short.

R20: the school confirms each line of its monthly return. If two of its business managers answer
the same line at once, the later is told the line changed (and shown the other's answer) instead
of silently replacing it. A generation whose worker was killed mid-run is resumed by the beat,
so every school due a return gets one and the generation records when it finished.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.returns import services, tasks
from funding.returns.models import MonthlyReturn, ReturnGeneration, ReturnLine
from tests import factories
from tests.funding.returns.conftest import MAY, add_pupil

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(school):
    add_pupil(school, family_name="Adams")
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    return ReturnLine.objects.get()


def test_r20_the_later_of_two_managers_answering_a_line_is_told_it_changed(client, line, school):
    first, second = factories.school_manager(school, username="bm1"), None
    second = factories.school_manager(school, username="bm2")
    url = reverse("returns:line_answer", args=[line.pk])
    other = client.__class__()
    client.force_login(first)
    other.force_login(second)
    # Both open the line: the form carries the version they saw (0).
    assert 'name="version" value="0"' in client.get(url).content.decode()
    assert 'name="version" value="0"' in other.get(url).content.decode()

    agreed = {"on_roll": "yes", "support_correct": "yes", "correction": "", "version": "0"}
    assert client.post(url, agreed).status_code == 302
    disagree = {"on_roll": "no", "support_correct": "yes", "correction": "Left", "version": "0"}
    response = other.post(url, disagree, follow=True)

    page = response.content.decode()
    assert "answered this line at" in page and "after you opened it" in page
    line.refresh_from_db()
    # The first answer stands; the second person now sees version 1 to check and save again.
    assert (line.on_roll, line.correction, line.answered_by) == (True, "", first)
    assert line.version == 1
    assert 'name="version" value="1"' in page


def test_r20_a_generation_cut_short_is_resumed_and_finished(school, other_school, settings):
    add_pupil(school, family_name="Adams")
    add_pupil(other_school, family_name="Brown")
    # The worker was killed after the first school: one return, the tally never ran.
    generation, school_ids = services.return_generation_start(month=MAY)
    assert sorted(school_ids) == sorted([school.pk, other_school.pk])
    services.monthly_return_generate(school_id=school.pk, month=MAY, generation_id=generation.pk)
    assert not generation.is_finished
    assert not MonthlyReturn.objects.filter(school=other_school).exists()

    # Not yet stale (began just now): the beat leaves it to its workers.
    assert tasks.resume_unfinished_return_generations() == []

    ReturnGeneration.objects.filter(pk=generation.pk).update(
        last_attempt_at=timezone.now() - dt.timedelta(minutes=31)
    )
    assert tasks.resume_unfinished_return_generations() == [generation.pk]

    generation.refresh_from_db()
    assert generation.is_finished and generation.attempts == 2
    assert MonthlyReturn.objects.filter(school=other_school, month=MAY).exists()
    # Every school due has exactly one return for May (the first one rebuilt, not doubled).
    assert MonthlyReturn.objects.filter(month=MAY).count() == 2
    # Finished: the next beat has nothing to do.
    assert tasks.resume_unfinished_return_generations() == []


def test_a_generation_is_resumed_at_most_max_attempts(school, settings):
    settings.RETURNS_GENERATION_MAX_ATTEMPTS = 1
    add_pupil(school)
    generation, _ = services.return_generation_start(month=MAY)
    ReturnGeneration.objects.filter(pk=generation.pk).update(
        last_attempt_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert tasks.resume_unfinished_return_generations() == []
    assert not MonthlyReturn.objects.exists()
