"""Forms for school pages."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    """A <select> rendered in Python rather than one template per <option>.

    The filters offer every school (hundreds of options) on every list page; Django's template
    per option made that the slowest part of the page. Same markup, flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if key in selected else "", label)
                for key, label in (
                    ("" if option is None else str(option), label) for option, label in self.choices
                )
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


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
            if type(widget) is forms.Select:
                field.widget = FastSelect(attrs={**widget.attrs, "class": "govuk-select"})
                field.widget.choices = widget.choices
            elif isinstance(widget, forms.TextInput | forms.NumberInput):
                widget.attrs.setdefault("class", "govuk-input")
