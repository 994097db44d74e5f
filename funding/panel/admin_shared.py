"""What every SEN Panel admin page shares (the meeting page in `funding.panel.admin_meetings`,
the case and decision pages in `funding.panel.admin`): history shown but never reverted
(`_HistoryReadOnlyMixin`), users named as plain text, who may decide, the pupil summary.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from funding.panel import selectors
from schools.roles import is_panel_member

NO_REVERT = "Past versions cannot be restored here: record a new case or decision instead."


class _HistoryReadOnlyMixin:
    """Show every object's history, but never save an old version over the current one."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(NO_REVERT)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _can_decide(request) -> bool:
    return is_panel_member(request.user) and request.user.has_perm("panel.add_paneldecision")


def _summary_html(summary: selectors.PupilSummary, pupil) -> str:
    plan = summary.plan
    if plan is None:
        plan_text = "No plan in force"
    else:
        plan_text = f"{plan.get_kind_display()} issued {plan.issued_on:%d %b %Y}"
        if plan.annual_review_due:
            plan_text += f", review due {plan.annual_review_due:%d %b %Y}"
    support = summary.support
    support_text = (
        f"{support.summary} since {support.effective_from:%d %b %Y}" if support else "None"
    )
    decisions = format_html_join(
        "",
        '<li><a href="{}">{}</a> {}: {}</li>',
        (
            (
                reverse("admin:panel_paneldecision_change", args=[d.pk]),
                d.case.reference,
                f"{d.meeting.date:%d %b %Y}",
                d.get_outcome_display(),
            )
            for d in summary.decisions[:5]
        ),
    )
    return format_html(
        '<dl class="panel-summary">'
        "<dt>Plan</dt><dd>{}</dd>"
        "<dt>Support</dt><dd>{}</dd>"
        "<dt>Top-up</dt><dd>{}</dd>"
        "<dt>Decisions</dt><dd>{}</dd>"
        '</dl><a href="{}">Full history</a>',
        plan_text,
        support_text,
        summary.top_up_text,
        format_html("<ul>{}</ul>", decisions) if summary.decisions else "None",
        reverse("panel:pupil_history", args=[pupil.upn]),
    )
