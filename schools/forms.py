"""Forms for school pages."""

from __future__ import annotations

from django import forms
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
