"""Forms for school pages."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from django import forms


class GovukFilterForm(forms.Form):
    """A django-filter form rendered by crispy-forms-gds inside the page's <form method="get">.

    Used as `Meta.form` by the list filters (schools, pupils, annual reviews).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "govuk-select")
            elif isinstance(widget, forms.TextInput | forms.NumberInput):
                widget.attrs.setdefault("class", "govuk-input")
