"""Forms for school pages."""

from __future__ import annotations

from html import escape as html_escape

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A <select> rendered in Python rather than one template per <option>.

    The filters offer every school (hundreds of options) on every list page; Django's template
    per option made that the slowest part of the page. Same markup, flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        choices = tuple(
            ("" if option is None else str(option), str(label)) for option, label in self.choices
        )
        inner = _options_html(choices)
        for key in set(self.format_value(value)):
            start = f'<option value="{html_escape(key)}">'
            inner = inner.replace(start, f"{start.removesuffix('>')} selected>")
        inner = mark_safe(inner)  # noqa: S308 - every value and label escaped (_options_html)
        return format_html("<select{}>{}</select>", flatatt(final_attrs), inner)


_OPTIONS_HTML: dict[tuple[tuple[str, str], ...], str] = {}
_OPTIONS_HTML_MAX = 64  # distinct option lists kept (the LA's, each school user's own school)


def _options_html(choices: tuple[tuple[str, str], ...]) -> str:
    """The <option> markup of `choices`, none selected: escaped once per process for a list
    offered again (every school, on every list page), not per page."""
    html = _OPTIONS_HTML.get(choices)
    if html is None:
        # html.escape: what django's escape() does, without its lazy-string wrapper
        html = "".join(
            f'<option value="{html_escape(key)}">{html_escape(label)}</option>'
            for key, label in choices
        )
        if len(_OPTIONS_HTML) >= _OPTIONS_HTML_MAX:
            _OPTIONS_HTML.clear()
        _OPTIONS_HTML[choices] = html
    return html


class FastInputMixin:
    """An <input> rendered in Python: django's input.html (and its attrs.html) for a text or
    number box, without two template renders a box on every list page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<input type="{html_escape(widget["type"])}" name="{html_escape(name)}"']
        if widget["value"] is not None:
            html.append(f' value="{html_escape(str(widget["value"]))}"')
        for key, attr in widget["attrs"].items():
            if attr is True:
                html.append(f" {html_escape(key)}")
            elif attr is not False:
                html.append(f' {html_escape(key)}="{html_escape(str(attr))}"')
        html.append(">")
        return mark_safe("".join(html))  # noqa: S308 - every value escaped above


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastNumberInput(FastInputMixin, forms.NumberInput):
    pass


_FAST_INPUTS = {forms.TextInput: FastTextInput, forms.NumberInput: FastNumberInput}


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
                if type(widget) in _FAST_INPUTS:
                    field.widget = _FAST_INPUTS[type(widget)](attrs=widget.attrs)
                    field.widget.is_localized = widget.is_localized
                    field.widget.is_required = widget.is_required


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
