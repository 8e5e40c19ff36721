"""Exports as jobs: streamed to a file, progress on the page, the requester's own, never capped silently."""

import io
import os
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from hrflow.exports import registry, services
from hrflow.exports.models import ExportJob
from hrflow.exports.registry import ExportKind
from tests.export_jobs import finished_export


class Numbers(ExportKind):
    key = "test_numbers"
    title = "数字"
    rows = 25

    def allowed(self, user):
        return user.username != "staff"

    def estimate(self, user, params):
        return self.rows

    def sheets(self, user, params):
        yield "数字", ["序号", "平方"], ([i, i * i] for i in range(self.rows))


class Broken(Numbers):
    key = "test_broken"

    def sheets(self, user, params):
        def rows():
            yield [1, 1]
            raise RuntimeError("the database went away")
        yield "数字", ["序号", "平方"], rows()


@pytest.fixture
def kinds():
    registry.register(Numbers())
    registry.register(Broken())
    yield
    registry.KINDS.pop("test_numbers")
    registry.KINDS.pop("test_broken")


def start(user, kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_export(user=user, kind=kind, params={})
    job.refresh_from_db()
    return job


def sheets_of(path):
    book = openpyxl.load_workbook(path, read_only=True)
    return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}


def test_an_export_streams_every_row_to_a_file_the_requester_downloads(kinds, user, login, django_capture_on_commit_callbacks):
    job = start(user("hr"), "test_numbers", django_capture_on_commit_callbacks)
    assert job.status == "done" and job.rows_written == 25 and not job.limit_reached and job.percent == 100
    rows = sheets_of(services.file_path(job))["数字"]
    assert rows[0] == ("序号", "平方") and len(rows) == 26 and rows[-1] == (24, 576)
    client = login("hr")
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "已完成：共 25 行" in page and "下载" in page
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    assert "数字" in client.get("/exports/mine/").content.decode()


def test_another_user_can_neither_see_nor_download_it(kinds, user, login, django_capture_on_commit_callbacks):
    job = start(user("hr"), "test_numbers", django_capture_on_commit_callbacks)
    for other in ("hr2", "leader", "auditor", "bureau"):
        client = login(other)
        assert client.get(f"/exports/{job.pk}/").status_code == 403, other
        assert client.get(f"/exports/{job.pk}/download/").status_code == 403, other
        assert "数字" not in client.get("/exports/mine/").content.decode()
    assert login("staff").get("/exports/mine/").status_code == 403


def test_a_kind_the_user_may_not_export_is_refused(kinds, user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.start_export(user=user("staff"), kind="test_numbers", params={})
    with pytest.raises(PermissionDenied):
        services.start_export(user=user("hr"), kind="no_such_kind", params={})


def test_past_excels_row_limit_the_export_goes_on_in_a_new_sheet(kinds, user, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "SHEET_ROWS", 10)
    job = start(user("hr"), "test_numbers", django_capture_on_commit_callbacks)
    sheets = sheets_of(services.file_path(job))
    assert list(sheets) == ["数字", "数字 (2)", "数字 (3)"]
    assert [len(rows) - 1 for rows in sheets.values()] == [10, 10, 5]
    assert sheets["数字 (3)"][-1] == (24, 576)


def test_a_row_limit_is_a_setting_and_the_file_and_page_say_where_it_stopped(kinds, user, login, settings, django_capture_on_commit_callbacks):
    settings.HRFLOW = {**settings.HRFLOW, "EXPORT_MAX_ROWS": 7}
    job = start(user("hr"), "test_numbers", django_capture_on_commit_callbacks)
    assert job.status == "done" and job.rows_written == 7 and job.limit_reached
    rows = sheets_of(services.file_path(job))["数字"]
    assert len(rows) == 9 and "上限 7 行" in rows[-1][0]
    assert "因达到行数上限（7 行）而停止" in login("hr").get(f"/exports/{job.pk}/").content.decode()


def test_a_failing_export_keeps_no_file_and_says_so_in_chinese(kinds, user, login, django_capture_on_commit_callbacks):
    before = set(services.export_dir().iterdir())
    job = start(user("hr"), "test_broken", django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.problem == "failed" and not job.file_name
    assert set(services.export_dir().iterdir()) == before
    assert "导出失败，未保留任何文件" in login("hr").get(f"/exports/{job.pk}/").content.decode()


def test_a_job_runs_once_even_if_two_workers_take_it(kinds, user, django_capture_on_commit_callbacks):
    job = start(user("hr"), "test_numbers", django_capture_on_commit_callbacks)
    assert services.run_export(job.pk) is None  # already claimed and done


def test_progress_is_polled_while_it_runs_and_a_lost_job_says_so(kinds, user, login):
    job = ExportJob.objects.create(owner=user("hr"), kind="test_numbers", title="数字", status="running", rows_written=10, rows_expected=40)
    client = login("hr")
    assert client.get(f"/exports/{job.pk}/", {"progress": "1"}).json() == {"status": "running", "rows": 10, "percent": 25, "finished": False}
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "已写入 10 行" in page and "预计约 40 行" in page
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert client.get(f"/exports/{job.pk}/", {"progress": "1"}).json()["finished"] is True
    assert "导出被中断" in client.get(f"/exports/{job.pk}/").content.decode()


def test_expired_files_are_deleted_and_no_longer_served(user, login):
    job = finished_export(user("hr"))
    path = services.file_path(job)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert login("hr").get(f"/exports/{job.pk}/download/").status_code == 404
    from django.core.management import call_command

    call_command("purge_exports", stdout=open(os.devnull, "w"))
    assert not path.exists() and ExportJob.objects.get(pk=job.pk).file_name == ""


def test_the_change_log_export_is_a_job_with_chinese_headers(login, user, staff_member, export_changes):
    from hrflow.people.services import staff_transition

    staff_transition(staff=staff_member, name="suspend", acting_user=user("hr"), reason="导出作业测试")
    client = login("auditor")
    response = export_changes(client, {"model": "people.staff"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and any(r[8] and "导出作业测试" in r[8] for r in rows[1:])
    job = ExportJob.objects.filter(owner=user("auditor")).latest("pk")
    assert job.kind == "audit_changes" and job.status == "done" and job.rows_written == len(rows) - 1


def test_a_double_click_starts_one_job_and_a_flood_is_refused(kinds, user, login, settings):
    from hrflow.exports.services import ExportRefused

    settings.HRFLOW = {**settings.HRFLOW, "EXPORT_MAX_RUNNING": 2}
    hr = user("hr")
    # Not run (no commit in this test): both stay queued, as a worker would leave them.
    first = services.start_export(user=hr, kind="test_numbers", params={})
    assert services.start_export(user=hr, kind="test_numbers", params={}).pk == first.pk
    services.start_export(user=hr, kind="test_broken", params={})
    with pytest.raises(ExportRefused):
        services.start_export(user=hr, kind="test_numbers", params={"other": 1})
    assert ExportJob.objects.filter(owner=hr).count() == 2
    client = login("auditor")
    for _ in range(2):
        client.post("/audit/changes/export/", {"model": "people.staff"})
    assert ExportJob.objects.filter(owner=user("auditor")).count() == 1
