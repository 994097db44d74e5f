"""School users: business managers and the schools they may see, invited by e-mail.

One row per user and school (a user at two schools has two rows). A new user gets an account
with no password and one e-mail with a one-time link to choose their own (never a password
typed by an officer); the e-mails go once the whole file is saved. A user already known by
e-mail gains any school they lacked and gets no e-mail, so re-importing the same file changes
nothing and sends nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from schools.accounts import EMAIL_TAKEN_BY_STAFF, school_user_invite
from schools.importing import Cells, ImportRejected, ImportResult, RowError
from schools.imports.common import missing, normalised_rows, school, schools_by_urn

COLUMNS = ["email", "name", "urn", "role"]
REQUIRED = ["email", "name", "urn"]
ROLES = {
    "business_manager": "business_manager",
    "school_business_manager": "business_manager",
    "sbm": "business_manager",
}
ALLOWED = {
    "email": "the person's work e-mail address: the invitation goes there, and it is their "
    "user name",
    "name": "their full name, e.g. Sam Patel",
    "urn": "the URN of a school they manage (as in GIAS); one row per school",
    "role": "business_manager (empty means business_manager)",
}
EXAMPLES = [["sam.patel@school.example.org", "Sam Patel", "100000", "business_manager"]]


def _staff_emails(emails: set[str]) -> dict[str, str]:
    """The file's e-mail addresses that belong to LA staff accounts, with their roles."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from schools.roles import is_la_officer, role_names

    found = {}
    query = Q(email__in=[e for e in emails if e]) | Q(username__in=[e for e in emails if e])
    for account in get_user_model().objects.filter(query):
        if is_la_officer(account) or account.is_staff:
            roles = ", ".join(sorted(role_names(account))) or "staff"
            found[(account.email or account.username).lower()] = roles
    return found


def _split(name: str) -> tuple[str, str]:
    given, _, family = name.strip().rpartition(" ")
    return (given, family) if given else (family, "")


@transaction.atomic
def school_users_import(
    *, content: bytes, filename: str, user=None, base_url: str | None = None
) -> ImportResult:
    rows = normalised_rows(content, filename)
    errors: list[RowError] = missing(rows, REQUIRED)
    if errors:
        raise ImportRejected(errors)
    known = schools_by_urn(rows)
    staff = _staff_emails({r.get("email", "").strip().lower() for r in rows})
    people: dict[str, dict] = {}
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        email = cells.text("email").lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                cells.error("email", f"'{email}' is not an e-mail address")
                email = ""
        if email in staff:
            cells.error("email", EMAIL_TAKEN_BY_STAFF.format(email=email, roles=staff[email]))
            email = ""
        name = cells.text("name")
        if len(name) > 300:
            cells.error("name", f"is {len(name)} characters long: keep it to 300")
            name = ""
        cells.choice("role", ROLES, default="business_manager")
        found = school(cells, known)
        if not (email and name and found):
            continue
        person = people.setdefault(email, {"name": name, "row": number, "schools": {}})
        if person["name"] != name:
            cells.error("name", f"{email} is also in row {person['row']} with a different name")
        elif found.pk in person["schools"]:
            cells.error("urn", f"{email} and URN {found.urn} are also in row {person['row']}")
        else:
            person["schools"][found.pk] = found
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(rows))
    for email, person in people.items():
        try:
            _user, outcome = school_user_invite(
                email=email,
                given_name=_split(person["name"])[0],
                family_name=_split(person["name"])[1],
                schools=list(person["schools"].values()),
                invited_by=user,
                base_url=base_url,
            )
        except ValidationError as exc:
            errors.append(RowError(person["row"], "email", " ".join(exc.messages)))
            continue
        if outcome == "invited":
            result.count("created", "school users (invitation e-mailed)")
        elif outcome == "schools added":
            result.count("updated", "school users (schools added)")
        else:
            result.count("unchanged", "school users")
    if errors:
        raise ImportRejected(errors)  # the transaction rolls back and no e-mail is sent
    return result
