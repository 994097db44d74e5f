"""Forms for school pages."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A <select> rendered in Python rather than one template per <option>.

    The filters offer every school (hundreds of options) on every list page; Django's template
    per option made that the slowest part of the page. Same markup, flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = set(self.format_value(value))
        options = []
        for option, label in self.choices:
            key = "" if option is None else str(option)
            flag = " selected" if key in selected else ""
            options.append(f'<option value="{escape(key)}"{flag}>{escape(label)}</option>')
        inner = mark_safe("".join(options))  # noqa: S308 - every value and label escaped above
        return format_html("<select{}>{}</select>", flatatt(final_attrs), inner)


class GovukFilterForm(forms.Form):
    """A django-filter form with GOV.UK classes (`Meta.form` of the list filters: schools,
    pupils, annual reviews), rendered by templates/schools/_filters.html: a label and an
    input per filter, lighter than a crispy layout on pages that are loaded all day."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if type(widget) is forms.Select:
                field.widget = FastSelect(attrs={**widget.attrs, "class": "govuk-select"})
                field.widget.choices = widget.choices
            elif isinstance(widget, forms.TextInput | forms.NumberInput):
                widget.attrs.setdefault("class", "govuk-input")


def _anchor(bound) -> str:
    if isinstance(bound.field, forms.MultiValueField):
        return f"{bound.auto_id}_0"
    if isinstance(bound.field.widget, forms.RadioSelect):
        return f"id_{bound.html_name}_1"
    return bound.auto_id


class ServiceForm(forms.Form):
    """A GOV.UK form whose data goes to one service."""

    #: the field a service error without a field (or with an unknown one) is shown against
    error_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the GOV.UK error summary: each links to the first input of
        the field it names (the day of a date, the first radio button)."""
        fields = list(self.visible_fields())
        links = []
        for message in self.non_field_errors():
            links.append((_anchor(fields[0]) if fields else "", message))
        for bound in fields:
            for message in bound.errors:
                links.append((_anchor(bound), message))
        return links

    def apply_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError against the form's fields."""
        if hasattr(error, "error_dict"):
            items = error.error_dict.items()
        else:
            items = [(NON_FIELD_ERRORS, error.error_list)]
        for name, errors in items:
            target = name if name in self.fields else self.error_field
            for message in ValidationError(errors).messages:
                self.add_error(target or None, message)
