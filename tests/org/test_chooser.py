"""The school chooser: a scoped field (id or typed text) and its JSON search endpoint."""

import json

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrflow.core.history import save_audited, system_user
from hrflow.org.choosers import SchoolChooserField
from hrflow.org.models import OrgUnit, School
from hrflow.org.selectors import school_label, schools_visible_to


class PickForm(forms.Form):
    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SchoolChooserField(required=False, schools=schools)


def codes(form):
    return [error.code for error in form.errors.as_data()["school"]]


def label(school):
    return school_label(school.unit.name, school.unit.parent.name)


def pick(user, data):
    form = PickForm(data, schools=schools_visible_to(user))
    return form, (form.cleaned_data["school"] if form.is_valid() else None)


# --- The field ---------------------------------------------------------------------------------

def test_an_id_in_scope_is_the_school(user, other_school):
    form, school = pick(user("hr2"), {"school": str(other_school.pk)})
    assert form.is_valid() and school == other_school


def test_another_citys_school_is_refused(user, school):
    """hr2 works at 树德实验中学: 成都市第七中学's id names a school they may not see."""
    form, _school = pick(user("hr2"), {"school": str(school.pk)})
    assert not form.is_valid()
    assert codes(form) == ["invalid_choice"]


@pytest.mark.parametrize("garbage", ["abc", "-1", "0", "1.0", "１", "9" * 40, "1 OR 1=1"])
def test_garbage_is_a_field_error(user, garbage):
    form, _school = pick(user("bureau"), {"school": garbage})
    assert not form.is_valid() and codes(form) == ["invalid_choice"]


def test_empty_is_none_unless_required(user):
    form, school = pick(user("bureau"), {"school": "", "school_label": "  "})
    assert form.is_valid() and school is None
    required = PickForm({"school": ""}, schools=schools_visible_to(user("bureau")))
    required.fields["school"].required = True
    assert not required.is_valid()


@pytest.mark.parametrize("text", ["成都市第七中学", "第七中学", "5101040002", "成都市第七中学（锦江区）", "成都市第七中学 (锦江区)"])
def test_typed_text_naming_one_school_resolves_without_javascript(user, school, text):
    form, found = pick(user("bureau"), {"school": "", "school_label": text})
    assert form.is_valid(), form.errors
    assert found == school


def test_typed_text_naming_several_schools_asks_to_pick(user):
    form, _school = pick(user("bureau"), {"school": "", "school_label": "成都市"})
    assert not form.is_valid()
    assert codes(form) == ["ambiguous"]


def test_typed_text_outside_the_scope_matches_nothing(user):
    form, _school = pick(user("hr2"), {"school": "", "school_label": "成都市第七中学"})
    assert not form.is_valid()
    assert codes(form) == ["no_match"]


def test_the_hidden_id_wins_over_the_typed_text(user, school, other_school):
    form, found = pick(user("bureau"), {"school": str(school.pk), "school_label": "树德"})
    assert found == school


def test_a_bound_form_shows_the_schools_label_with_one_query(user, school):
    form = PickForm({"school": str(school.pk)}, schools=schools_visible_to(user("bureau")))
    with CaptureQueriesContext(connection) as ctx:
        html = str(form["school"])
    assert len(ctx) == 1
    assert f'value="{school.pk}"' in html and f'value="{label(school)}"' in html
    assert 'type="search"' in html and 'data-school-search="/org/schools/search/"' in html and "<datalist" in html


def test_a_cleaned_form_renders_without_another_query(user, school):
    form = PickForm({"school": str(school.pk)}, schools=schools_visible_to(user("bureau")))
    assert form.is_valid()
    with CaptureQueriesContext(connection) as ctx:
        str(form["school"])
    assert len(ctx) == 0


def test_an_id_outside_the_scope_is_not_shown_back(user, school):
    form = PickForm({"school": str(school.pk), "school_label": "x"}, schools=schools_visible_to(user("hr2")))
    html = str(form["school"])
    assert "成都市第七中学" not in html and f'value="{school.pk}"' not in html


def test_an_initial_school_is_shown(user, school):
    form = PickForm(initial={"school": school}, schools=schools_visible_to(user("bureau")))
    html = str(form["school"])
    assert f'value="{school.pk}"' in html and label(school) in html


# --- The endpoint ------------------------------------------------------------------------------

def search(client, q):
    response = client.get("/org/schools/search/", {"q": q})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)["results"]


def test_search_returns_ids_and_labels_in_tree_order(login, school):
    results = search(login("bureau"), "")
    expected = list(School.objects.order_by("unit__path").values_list("pk", flat=True))
    assert [r["id"] for r in results] == expected
    assert {"id": school.pk, "label": label(school)} in results


def test_search_sees_only_the_users_scope(login, other_school):
    assert search(login("hr2"), "") == [{"id": other_school.pk, "label": label(other_school)}]
    assert search(login("hr2"), "第七") == []


def test_search_by_name_part_and_code_prefix(login, school):
    client = login("auditor")
    assert [r["id"] for r in search(client, "第七")] == [school.pk]
    assert {r["id"] for r in search(client, "510104")} == set(School.objects.filter(unit__code__startswith="510104").values_list("pk", flat=True))


def test_search_returns_at_most_20(province):
    client, _officer, _unit = province("T51", 30)
    assert len(search(client, "")) == 20
    assert len(search(client, "模拟学校")) == 20


def test_percent_and_underscore_are_literal(login):
    county = OrgUnit.objects.get(code="510104")
    unit = save_audited(OrgUnit(kind=OrgUnit.Kind.SCHOOL, code="5101049999", name="百分%学校", parent=county), user=system_user(), reason="test")
    school = save_audited(School(unit=unit, level="primary", diners=10), user=system_user(), reason="test")
    client = login("bureau")
    assert [r["id"] for r in search(client, "%")] == [school.pk]
    assert search(client, "_") == []
    assert search(client, "%学") == [{"id": school.pk, "label": school_label("百分%学校", "锦江区")}]


@pytest.mark.parametrize("q", ["x" * 5000, "'; DROP TABLE org_school; --", "\\", "🏫", "a\u0301", "%%__%%", " ", "\u200b"])
def test_hostile_text_is_answered(login, q):
    assert isinstance(search(login("bureau"), q), list)


def test_a_nul_is_refused_before_the_view(login):
    assert login("bureau").get("/org/schools/search/?q=%00").status_code == 400


def test_search_needs_an_oversight_role(login, client):
    assert login("staff").get("/org/schools/search/").status_code == 403
    assert client.get("/org/schools/search/").status_code == 302
