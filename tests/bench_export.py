"""`make bench`, exports: the province's full change-log export as a job, against a bare
xlsxwriter write of the same cells measured in the same run.

The export runs in a child process (as a Celery worker would), so its peak resident memory is its
own. The floor is the time the same run spends inside xlsxwriter (constant_memory): every
write_* call of every cell and the workbook's close, summed; the export's reading, diffing and
naming is what the ratio measures on top of it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from hrflow.audit.selectors import AuditFilter
from hrflow.exports.models import ExportJob
from hrflow.exports.services import file_path, run_export
from hrflow.exports import registry
import xlsxwriter.worksheet
spent = [0.0]
def timed(method):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
    return wrapper
for name in ("write_string", "write_number", "write_blank", "write_datetime", "write_boolean"):
    setattr(xlsxwriter.worksheet.Worksheet, name, timed(getattr(xlsxwriter.worksheet.Worksheet, name)))
xlsxwriter.Workbook.close = timed(xlsxwriter.Workbook.close)
user = get_user_model().objects.get(username=sys.argv[1])
kind = registry.get("audit_changes")
params = kind.clean(user, {"filter": AuditFilter().as_params(), "_language": "zh-hans"})
job = ExportJob.objects.create(owner=user, kind="audit_changes", title=kind.describe(params), params=params)
started = time.perf_counter()
job = run_export(job.pk)
seconds = time.perf_counter() - started
path = file_path(job)
if path:
    path.unlink()  # a bench leaves no province-sized file behind
print(json.dumps({"seconds": seconds, "rows": job.rows_written, "status": job.status, "write_seconds": spent[0],
                  "size_mb": job.file_size / 2**20,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench_audit_export(report, username="scale_auditor"):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hrflow.settings", "PYTHONPATH": str(BASE)}
    done = subprocess.run([sys.executable, "-c", CHILD, username], env=env, cwd=BASE, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"# audit export failed:\n{done.stderr[-2000:]}", flush=True)
        return
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != "done":
        print(f"# audit export ended {result['status']}", flush=True)
        return

    write_seconds = result["write_seconds"]
    report("audit_export_full", result["seconds"], "s", result["seconds"] / write_seconds,
           f"xlsxwriter's own time writing the same {result['rows']} lines x 9 cells (constant_memory, same run: "
           f"{write_seconds:.1f} s); file {result['size_mb']:.0f} MiB, run as a job in a child process")
    report("audit_export_peak_rss", result["peak_rss_mb"], "MiB", result["peak_rss_mb"] / 300,
           "the issue's ceiling of 300 MiB; peak resident memory of the exporting process (ru_maxrss)")
