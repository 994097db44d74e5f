"""What every cluster page shares: the year parameter and year picker, the role check, the
cluster lookup (another cluster is a 404), and the form page that calls one service.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone

from clusters import selectors
from schools.dates import FinancialYear

EXPORT_FORMATS = ("csv", "xlsx")


def _fy_param(request, default: FinancialYear | None = None) -> FinancialYear:
    default = default or FinancialYear.of(timezone.localdate())
    try:
        year = int(request.GET.get("fy", default.start_year))
    except (TypeError, ValueError):
        return default
    if not 2000 <= year <= 2100:
        return default
    return FinancialYear(year)


def _year_choices(selected: FinancialYear) -> list[FinancialYear]:
    current = FinancialYear.of(timezone.localdate()).start_year
    from funding.readiness import data_years

    # Every year with data (schemes, runs, censuses, term dates, ...), not just around today.
    years = set(range(current - 2, current + 2)) | set(selectors.pot_years()) | data_years()
    years.add(selected.start_year)
    return [FinancialYear(y) for y in sorted(years, reverse=True)]


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Signed-in users for whom `allowed(user)` is false get 403."""

    def allowed(self, user) -> bool:
        return selectors.can_use_clusters(user)

    def test_func(self) -> bool:
        return self.allowed(self.request.user)


class ClusterMixin(RoleRequiredMixin):
    """Looks the cluster up among those the user may see (else 404)."""

    def get_cluster(self):
        if not hasattr(self, "_cluster"):
            self._cluster = get_object_or_404(
                selectors.visible_clusters(self.request.user).select_related(
                    "host_school", "host_contact"
                ),
                pk=self.kwargs["pk"],
            )
            self._access = selectors.cluster_access(self.request.user, self._cluster)
        return self._cluster

    @property
    def access(self) -> selectors.ClusterAccess:
        self.get_cluster()
        return self._access

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cluster"] = self.get_cluster()
        context["access"] = self.access
        return context


class ServiceFormMixin:
    """A GOV.UK form page whose valid data goes to one service; service errors go back on the
    fields they name."""

    template_name = "clusters/form_page.html"
    title = ""
    submit_label = "Save"

    def call_service(self, form):  # pragma: no cover - each view overrides it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.result = self.call_service(form)
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.title)
        context.setdefault("submit_label", self.submit_label)
        context.setdefault("back_url", self.get_back_url())
        return context

    def get_back_url(self) -> str:
        return reverse("home")
