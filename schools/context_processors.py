"""Service navigation that depends on the user's role."""

from django.urls import NoReverseMatch, reverse

from schools.roles import is_cluster_host, is_la_officer, is_panel_member, is_school_user

# (label, url name, who sees it). URL names that do not exist yet are skipped.
_NAV = [
    ("Home", "home", lambda u: True),
    ("Schools", "schools:list", is_la_officer),
    ("Pupils", "pupils:list", is_la_officer),
    ("Annual reviews", "pupils:reviews", is_la_officer),
    ("Allocations", "funding:runs", is_la_officer),
    ("Returns", "returns:dashboard", is_la_officer),
    ("Reports", "reports:index", is_la_officer),
    ("Clusters", "clusters:list", lambda u: is_la_officer(u) or is_cluster_host(u)),
    ("My school", "schools:mine", is_school_user),
    ("Returns", "returns:school_list", is_school_user),
    ("SEN Panel", "admin:panel_panelmeeting_changelist", is_panel_member),
    ("Import", "schools:import", is_la_officer),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"service_nav": []}
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
    return {"service_nav": items}
