from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from schools.access import visible_schools
from schools.roles import role_names


class HomeView(LoginRequiredMixin, TemplateView):
    """Start page: what needs doing, for the signed-in role."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = sorted(role_names(self.request.user))
        context["schools"] = visible_schools(self.request.user).order_by("name")[:20]
        return context
