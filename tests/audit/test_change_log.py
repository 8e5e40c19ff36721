import io
from datetime import timedelta

import openpyxl
from django.utils import timezone, translation

from hrflow.audit.selectors import AuditFilter, change_rows
from hrflow.org.models import OrgUnit, Role, RoleAssignment
from hrflow.people import services
from hrflow.people.models import Staff


def suspend(staff, user, reason="停职调查"):
    services.staff_transition(staff=staff, name="suspend", acting_user=user, reason=reason)


def test_a_change_shows_who_when_field_from_to_and_why(staff_member, user):
    suspend(staff_member, user("hr"))
    with translation.override("zh-hans"):
        rows, _more = change_rows(user=user("auditor"), flt=AuditFilter(model_key="people.staff"), limit=5)
    row = rows[0]
    assert row.object_repr == staff_member.person.name
    assert row.user.startswith("刘红")
    assert "停职调查" in row.reason
    status = next(c for c in row.changes if c.field == "状态")
    assert (status.old, status.new) == ("在岗", "停岗")


def test_changes_outside_the_auditors_scope_are_not_listed(staff_member, other_school, user):
    auditor = user("auditor")
    RoleAssignment.objects.filter(user=auditor).delete()
    RoleAssignment.objects.create(user=auditor, role=Role.AUDITOR, unit=OrgUnit.objects.get(code="510105"))
    auditor = user("auditor")  # grants are cached per user object
    suspend(staff_member, user("hr"))
    rows, _more = change_rows(user=auditor, flt=AuditFilter(model_key="people.staff"), limit=500)
    assert rows and all(Staff.objects.get(pk=r.object_id).school == other_school for r in rows)


def test_filters_by_user_model_date_and_school(staff_member, school, other_school, user):
    suspend(staff_member, user("hr"), "按用户筛选")
    auditor = user("auditor")
    by_user = change_rows(user=auditor, flt=AuditFilter(username="hr"), limit=50)[0]
    assert by_user and all(r.user.startswith("刘红") for r in by_user)
    today = timezone.localdate()
    future = change_rows(user=auditor, flt=AuditFilter(date_from=today + timedelta(days=1)), limit=50)[0]
    assert future == []
    same_day = change_rows(user=auditor, flt=AuditFilter(date_from=today, date_to=today, username="hr"), limit=50)[0]
    assert same_day
    other = change_rows(user=auditor, flt=AuditFilter(school_path=other_school.unit.path, username="hr"), limit=50)[0]
    assert other == []
    mine = change_rows(user=auditor, flt=AuditFilter(school_path=school.unit.path, username="hr"), limit=50)[0]
    assert [r.reason for r in mine if "按用户筛选" in r.reason]


def test_sensitive_fields_are_masked_for_auditors_and_not_for_school_hr(staff_member, user):
    from hrflow.people.models import ATTESTATION_FIELDS, Attestation
    from hrflow.people.services import attestation_record

    person = staff_member.person
    attestation_record(staff=staff_member, data={"criminal_record": True}, acting_user=user("hr"), reason="更正无犯罪记录证明")
    flt = AuditFilter(model_key="people.attestation")
    labels = {str(Attestation._meta.get_field(f).verbose_name) for f in ATTESTATION_FIELDS}
    audited = change_rows(user=user("auditor"), flt=flt, limit=5)[0][0]
    masked = [c for c in audited.changes if c.field in labels]
    assert len(masked) == 3 and all(c.new == "***" for c in masked)
    creations = change_rows(user=user("auditor"), flt=AuditFilter(model_key="people.person"), limit=500)[0]
    assert all(person.id_number not in c.new for r in creations for c in r.changes)
    assert all(person.birth_date.isoformat() not in c.new for r in creations for c in r.changes)


def test_auditor_page_and_export(login, staff_member, user, export_changes):
    suspend(staff_member, user("hr"), "导出测试")
    client = login("auditor")
    page = client.get("/audit/changes/", {"model": "people.staff"}).content.decode()
    assert "导出测试" in page
    response = export_changes(client, {"model": "people.staff", "user": "hr"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 9
    assert any(row[8] and "导出测试" in row[8] for row in rows[1:])


def test_commands_write_history_as_the_system_user(db):
    record = Staff.history.order_by("history_date").first()
    assert record.history_user.username == "hrflow-system"
    assert record.history_change_reason
