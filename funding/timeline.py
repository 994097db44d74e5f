"""What funding/ adds to a pupil's timeline (registered in `FundingConfig.ready()`).

pupils/ never imports funding/: the money each period attracted comes from here through
`schools.extensions.PUPIL_TIMELINE`.
"""

from __future__ import annotations

from django.urls import reverse

from pupils.timeline import TimelineEntry


def _user_label(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def money_lines(pupil, school_ids: set[int] | None) -> list[TimelineEntry]:
    """The money each period attracted: the funding engine's `lines_for_pupil` (lines of the
    newest completed run of each year). A school business manager sees only the lines paid to
    their own schools."""
    from funding.selectors import lines_for_pupil

    entries = []
    for line in lines_for_pupil(pupil):
        if school_ids is not None and line.school_id not in school_ids:
            continue
        run = line.run
        detail = f"{line.school_name}: {line.explanation}" if line.explanation else line.school_name
        if not line.delegated:
            detail += " (provided in kind by the LA)"
        if line.payer_la_code:
            detail += f"; paid by {line.payer_la_name or 'LA ' + line.payer_la_code}"
        entries.append(
            TimelineEntry(
                kind="Funding",
                starts_on=line.starts_on,
                ends_on=line.ends_on,
                title=line.label,
                detail=detail,
                school_name=line.school_name,
                amount=line.amount,
                recorded_by=_user_label(run.created_by) if run and run.created_by else "",
                recorded_at=(run.finished_at or run.created_at) if run else None,
                reason=f"Allocation run {run.pk} ({run.get_kind_display().lower()})" if run else "",
                order=6,
                url=reverse("funding:run_detail", kwargs={"pk": run.pk}) if run else "",
            )
        )
    return entries


def _start_page_items(module_name: str):
    def provider(user) -> list[dict]:
        import importlib

        return list(importlib.import_module(module_name).start_page_items(user))

    return provider


def register() -> None:
    from schools import extensions

    extensions.register(extensions.PUPIL_TIMELINE, "funding", money_lines, order=20)
    extensions.register(
        extensions.START_PAGE_ITEMS, "funding", _start_page_items("funding.selectors"), order=10
    )
    extensions.register(
        extensions.START_PAGE_ITEMS,
        "returns",
        _start_page_items("funding.returns.selectors"),
        order=20,
    )
