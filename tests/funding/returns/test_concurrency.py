"""Two business managers confirming lines of the same return at once lose nothing.

Real threads, each with its own PostgreSQL connection, answer different lines of one return and
then submit. Answers are per-line updates under row locks (the return row, then the line), so
no answer overwrites another, and the later submission sees every line answered.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from funding.returns import services
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from tests import factories
from tests.funding.returns.conftest import MAY, add_pupil

# Flushing a transactional test database would drop the role groups the migrations created;
# serialized_rollback puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LINES = 30


def _run_together(*workers):
    """Start the workers at the same moment; re-raise the first unexpected error."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(worker):
        try:
            barrier.wait(timeout=10)
            worker()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


def test_simultaneous_confirmations_by_two_people_lose_nothing(school):
    for n in range(LINES):
        add_pupil(school, family_name=f"Pupil{n:02d}")
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    monthly_return = MonthlyReturn.objects.get()
    line_ids = list(ReturnLine.objects.order_by("pk").values_list("pk", flat=True))
    alice = factories.school_manager(school, username="alice")
    bob = factories.school_manager(school, username="bob")
    # Alice answers the even lines (all agreed); Bob the odd ones (support queried).
    plan = {alice: line_ids[0::2], bob: line_ids[1::2]}
    submitted_by = []

    def confirm(user, ids, support_correct):
        def work():
            for pk in ids:
                services.return_line_answer(
                    line=ReturnLine.objects.get(pk=pk),
                    user=user,
                    on_roll=True,
                    support_correct=support_correct,
                    correction="" if support_correct else f"Hours wrong ({user.username})",
                )
            try:
                result = services.monthly_return_submit(monthly_return=monthly_return, user=user)
            except ValidationError:  # the other person's lines were not all answered yet
                return
            submitted_by.append((user.username, result.status))

        return work

    _run_together(confirm(alice, plan[alice], True), confirm(bob, plan[bob], False))

    lines = {line.pk: line for line in ReturnLine.objects.all()}
    # The two really ran at the same time: their answering periods overlap.
    alice_times = [lines[pk].answered_at for pk in plan[alice]]
    bob_times = [lines[pk].answered_at for pk in plan[bob]]
    assert max(min(alice_times), min(bob_times)) < min(max(alice_times), max(bob_times))
    assert all(lines[pk].answered_by == alice and not lines[pk].queried for pk in plan[alice])
    assert all(
        lines[pk].answered_by == bob
        and lines[pk].queried
        and lines[pk].correction == "Hours wrong (bob)"
        for pk in plan[bob]
    )
    monthly_return.refresh_from_db()
    assert monthly_return.status == ReturnStatus.QUERIED
    assert submitted_by and all(status == ReturnStatus.QUERIED for _, status in submitted_by)
    # However the two submissions interleaved, the return was submitted exactly once.
    assert monthly_return.history.filter(status=ReturnStatus.QUERIED).count() == 1


def test_confirming_the_rest_while_someone_answers_keeps_their_answers(school):
    for n in range(LINES):
        add_pupil(school, family_name=f"Pupil{n:02d}")
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    monthly_return = MonthlyReturn.objects.get()
    line_ids = list(ReturnLine.objects.order_by("pk").values_list("pk", flat=True))
    carol = factories.school_manager(school, username="carol")
    dave = factories.school_manager(school, username="dave")
    disputed = line_ids[::3]

    def answer_disputed():
        for pk in disputed:
            services.return_line_answer(
                line=ReturnLine.objects.get(pk=pk),
                user=carol,
                on_roll=False,
                support_correct=True,
                correction="Left in April",
            )

    def confirm_rest():
        for _ in range(5):
            services.return_lines_confirm_remaining(monthly_return=monthly_return, user=dave)

    _run_together(answer_disputed, confirm_rest)

    # Dave's bulk confirmation only touches unanswered lines; Carol's answers are either made
    # first (kept) or made after (overwriting Dave's confirmation of that line): never lost.
    for pk in disputed:
        line = ReturnLine.objects.get(pk=pk)
        assert (line.on_roll, line.answered_by.username) == (False, "carol")
    assert not ReturnLine.objects.filter(answered_at__isnull=True).exists()
