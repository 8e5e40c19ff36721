"""Choosing one school among thousands: a search-as-you-type field instead of a `<select>`.

A `<select>` of every school in a province (5,000 options) costs the page 0.4-0.9 s to render.
The chooser renders two inputs: a hidden one carrying the school's id under the field's name,
and a visible search box (`<name>_label`) that hrflow/core/static/hrflow/school_chooser.js
fills from the scoped endpoint `org:school_search` (at most 20 schools per keystroke pause).
Without JavaScript the typed text is resolved on the server when exactly one school in scope
matches it.

Usage in a filter form (the queryset is the caller's scope; the field never widens it):

    class StaffFilterForm(forms.Form):
        def __init__(self, *args, user, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["school"] = SchoolChooserField(label=_("School"), required=False, schools=schools_visible_to(user))
    # form.cleaned_data["school"]: a School of that queryset, or None; a foreign id is a field error

In the template, `{{ form.school }}` and `{{ form.school.errors }}`: templates/hrflow/base.html
loads the script on every page. The query string carries `school=<id>` (and `school_label`).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.template import loader
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from hrflow.core.params import object_id

from . import selectors


class SchoolChooserWidget(forms.Widget):
    """A hidden id and a visible search box; its value is the pair (id text, typed text)."""

    template_name = "org/widgets/school_chooser.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.schools = None  # set by the field: the scope labels are looked up in
        self.labels = {}  # id -> label, filled by the field's clean() so rendering asks no query

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.labels = dict(self.labels)
        return result

    def value_from_datadict(self, data, files, name):
        return data.get(name, ""), data.get(f"{name}_label", "")

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_label" not in data

    def format_value(self, value):
        return value

    def _render(self, template_name, context, renderer=None):
        # The project's template engine, not the form renderer's (which sees no project templates).
        return mark_safe(loader.render_to_string(template_name, context))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        school_id, text = self._shown(value)
        list_id = f"{context['widget']['attrs'].get('id') or name}_options"
        context["widget"].update(school_id=school_id or "", text=text, list_id=list_id, endpoint=reverse("org:school_search"))
        return context

    def _shown(self, value):
        """(id, text of the search box) for an initial School or id, or for submitted data."""
        if isinstance(value, (tuple, list)) and len(value) == 2:
            raw_id, text = value
        else:
            raw_id, text = value, ""
        if hasattr(raw_id, "pk"):
            raw_id = raw_id.pk
        pk = object_id(str(raw_id)) if raw_id not in (None, "") else None
        if pk is None:
            return None, str(text or "")
        if pk not in self.labels and self.schools is not None:
            self.labels.update(selectors.school_labels(self.schools.filter(pk=pk)))
        if pk in self.labels:
            return pk, self.labels[pk]
        return None, str(text or "")  # an id outside the scope is not shown back


class SchoolChooserField(forms.Field):
    """A School of `schools` (a scoped queryset), or None when left empty and not required."""

    widget = SchoolChooserWidget
    default_error_messages = {
        "invalid_choice": _("Choose a school you may see from the list."),
        "no_match": _("No school you may see matches “%(text)s”: choose one from the list."),
        "ambiguous": _("Several schools match “%(text)s”: choose one from the list."),
    }

    def __init__(self, *, schools, **kwargs):
        super().__init__(**kwargs)
        self.schools = schools

    @property
    def schools(self):
        return self._schools

    @schools.setter
    def schools(self, queryset):
        self._schools = queryset
        self.widget.schools = queryset

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.schools = self._schools  # re-attach to the copied widget
        return result

    def to_python(self, value):
        raw_id, text = value if isinstance(value, (tuple, list)) and len(value) == 2 else (value, "")
        if hasattr(raw_id, "pk"):
            raw_id = raw_id.pk
        if raw_id not in (None, ""):
            pk = object_id(str(raw_id))
            school = self.schools.select_related("unit__parent").filter(pk=pk).first() if pk is not None else None
            if school is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            self.widget.labels[school.pk] = selectors.school_label(school.unit.name, school.unit.parent.name)
            return school
        text = str(text or "").strip()[: selectors.SEARCH_MAX_CHARS]
        if not text:
            return None
        matches = selectors.schools_matching_text(self.schools, text)
        if len(matches) != 1:
            code = "ambiguous" if matches else "no_match"
            raise ValidationError(self.error_messages[code], code=code, params={"text": text})
        school = matches[0]
        self.widget.labels[school.pk] = selectors.school_label(school.unit.name, school.unit.parent.name)
        return school

    def has_changed(self, initial, data):
        initial_id = getattr(initial, "pk", initial)
        data_id = data[0] if isinstance(data, (tuple, list)) else data
        return str(initial_id or "") != str(data_id or "")

