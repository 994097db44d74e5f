"""Service navigation that depends on the user's role."""

from django.urls import NoReverseMatch, reverse

from schools.roles import is_cluster_host, is_la_officer, is_panel_member, is_school_user

# (label, url name, who sees it). URL names that do not exist yet are skipped.
_NAV = [
    ("Home", "home", lambda u: True),
    ("Schools", "schools:list", lambda u: is_la_officer(u) or is_panel_member(u)),
    ("Pupils", "pupils:list", lambda u: is_la_officer(u) or is_panel_member(u)),
    ("Annual reviews", "pupils:reviews", lambda u: is_la_officer(u) or is_panel_member(u)),
    ("Allocations", "funding:runs", is_la_officer),
    ("Returns", "returns:dashboard", is_la_officer),
    ("Reports", "reports:index", is_la_officer),
    ("Clusters", "clusters:list", lambda u: is_la_officer(u) or is_cluster_host(u)),
    ("My school", "schools:mine", is_school_user),
    ("Annual reviews", "pupils:reviews", is_school_user),
    ("Returns", "returns:school_list", is_school_user),
    ("Cluster", "clusters:list", is_school_user),  # the school's SENCO (issue 8)
    (
        "SEN Panel",
        "panel:meetings",
        lambda u: is_panel_member(u) or is_la_officer(u),
    ),
    ("Import", "schools:import", is_la_officer),
]


def service_role(user) -> str:
    """The role named in the header, in the users' words."""
    if is_la_officer(user):
        return "LA officer"
    if is_school_user(user):
        return "School business manager"
    if is_panel_member(user):
        return "SEN Panel member"
    if is_cluster_host(user):
        return "Cluster host"
    return ""


def navigation(request):
    """The header's navigation, built once a request: a page that renders a table renders a
    second template (django-tables2's `render_table`), and every context processor runs again."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"service_nav": [], "service_role": ""}
    cached = getattr(request, "_service_navigation", None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    result = _navigation(request, user)
    request._service_navigation = (user.pk, result)
    return result


def _navigation(request, user) -> dict:
    items = []
    seen = set()
    for label, name, allowed in _NAV:
        if name in seen or not allowed(user):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        seen.add(name)
        items.append(
            {
                "label": label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    # Only the most specific match is active (/pupils/reviews/ is not also "Pupils").
    active = [item for item in items if item["active"]]
    if len(active) > 1:
        best = max(active, key=lambda item: len(item["url"]))
        for item in active:
            item["active"] = item is best
    return {"service_nav": items, "service_role": service_role(user)}
