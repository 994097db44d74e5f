"""Pages for LA data imports (term dates, census, places, band rates) and the first-run choice
of administering LA. Thin: parse, call one service, render."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import FormView

from schools.access import LAOfficerRequiredMixin
from schools.accounts import school_user_invite
from schools.importing import ImportRejected
from schools.imports import KINDS
from schools.imports.common import template_csv
from schools.models import LocalAuthority, School
from schools.roles import ADMIN, has_role
from schools.setup import administering_la_set


class LADataForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a CSV or XLSX file",
            "empty": "The selected file is empty",
        },
    )
    census_date = forms.DateField(
        label="Census date (only for the DfE school-level census file, which has none)",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Enter the census date as YYYY-MM-DD or DD/MM/YYYY"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The selected file must be a CSV or XLSX")
        return upload


def _kind(slug: str):
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404("No such import")
    return kind


class LADataImportView(LAOfficerRequiredMixin, FormView):
    template_name = "schools/la_data_import.html"
    form_class = LADataForm

    def get_context_data(self, **kwargs):
        kind = _kind(self.kwargs["kind"])
        return super().get_context_data(kind=kind, kinds=KINDS.values(), **kwargs)

    def form_valid(self, form):
        kind = _kind(self.kwargs["kind"])
        upload = form.cleaned_data["file"]
        importer = kind.importer
        if kind.slug == "school-users":
            importer = partial(importer, base_url=self.request.build_absolute_uri("/"))
        if kind.slug == "census" and form.cleaned_data.get("census_date"):
            importer = partial(importer, census_date=form.cleaned_data["census_date"])
        try:
            result = importer(content=upload.read(), filename=upload.name, user=self.request.user)
        except ImportRejected as rejected:
            context = self.get_context_data(form=form, rejected=rejected, filename=upload.name)
            return render(self.request, self.template_name, context, status=422)
        messages.success(self.request, f"{upload.name} imported. {result.summary()}")
        return redirect("schools:la_data_import", kind=kind.slug)


class LADataTemplateView(LAOfficerRequiredMixin, View):
    def get(self, request, kind):
        found = _kind(kind)
        response = HttpResponse(
            template_csv(found.columns, found.examples), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{found.slug}-template.csv"'
        return response


class SetupForm(forms.Form):
    la = forms.ModelChoiceField(
        label="Which LA runs this installation?",
        queryset=LocalAuthority.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the administering LA"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["la"].queryset = LocalAuthority.objects.order_by("name")


class SystemAdminRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        user = self.request.user
        return user.is_superuser or has_role(user, ADMIN)


class SetupView(SystemAdminRequiredMixin, FormView):
    template_name = "schools/setup.html"
    form_class = SetupForm

    def get_context_data(self, **kwargs):
        current = LocalAuthority.objects.filter(is_administering=True).first()
        return super().get_context_data(current=current, **kwargs)

    def form_valid(self, form):
        try:
            la = administering_la_set(code=form.cleaned_data["la"].code, user=self.request.user)
        except ValidationError as exc:
            form.add_error("la", " ".join(exc.messages))
            return self.form_invalid(form)
        messages.success(self.request, f"{la} is now the administering LA.")
        return redirect("schools:setup")


class SchoolUserInviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="The invitation goes here, and it is their user name.",
        error_messages={
            "required": "Enter the school user's e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.com",
        },
    )
    name = forms.CharField(
        label="Full name",
        max_length=300,
        error_messages={"required": "Enter the school user's full name"},
    )
    urn = forms.IntegerField(
        label="URN of the school they manage",
        min_value=1,
        error_messages={
            "required": "Enter the school's URN",
            "invalid": "Enter the URN as a number, like 125432",
            "min_value": "Enter the URN as a number, like 125432",
        },
    )

    def clean_urn(self):
        urn = self.cleaned_data["urn"]
        school = School.objects.filter(urn=urn).first()
        if school is None:
            raise forms.ValidationError(f"There is no school with URN {urn}")
        self.cleaned_data["school"] = school
        return urn


class SchoolUserInviteView(LAOfficerRequiredMixin, FormView):
    """An LA officer invites one school business manager: the user gets an e-mail with a
    one-time link to choose their own password."""

    template_name = "schools/school_user_invite.html"
    form_class = SchoolUserInviteForm

    def form_valid(self, form):
        given, _, family = form.cleaned_data["name"].strip().rpartition(" ")
        try:
            user, outcome = school_user_invite(
                email=form.cleaned_data["email"],
                given_name=given or family,
                family_name=family if given else "",
                schools=[form.cleaned_data["school"]],
                invited_by=self.request.user,
                base_url=self.request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            form.add_error("email", " ".join(exc.messages))
            return self.form_invalid(form)
        school = form.cleaned_data["school"]
        text = {
            "invited": f"{user.email} has been invited: an e-mail with a link to choose a "
            f"password is on its way. They will see {school.name}.",
            "schools added": f"{user.email} already has an account: they can now see "
            f"{school.name}. No e-mail was sent.",
            "unchanged": f"{user.email} can already see {school.name}. Nothing was changed.",
        }[outcome]
        messages.success(self.request, text)
        return redirect("schools:school_user_invite")
