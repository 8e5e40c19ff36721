from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.utils import timezone
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.core.xlsx import XLSX_CONTENT_TYPE

from .models import ExportJob
from .services import file_path


class JobListView(ScopedPermissionMixin, generic.TemplateView):
    """The user's own exports, newest first."""

    permission_required = "exports.view_exports"
    template_name = "exports/job_list.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        jobs = ExportJob.objects.filter(owner=self.request.user)
        page = keyset_page(jobs, order=["-pk"], cursor=self.request.GET.get("cursor"), size=20)
        return super().get_context_data(page=page, now=timezone.now(), keep_days=settings.HRFLOW["EXPORT_KEEP_DAYS"], **kwargs)


class JobDetailView(ScopedPermissionMixin, generic.DetailView):
    """One export: its progress while it runs (the page polls ?progress=1), then the download."""

    permission_required = "exports.view_export"
    template_name = "exports/job_detail.html"
    context_object_name = "job"

    # Any job id: the rule answers 403 for someone else's (hrflow/exports/rules.py).
    queryset = ExportJob.objects.all()

    def get(self, request, *args, **kwargs):
        if request.GET.get("progress"):
            job = self.get_object()
            return JsonResponse({"status": job.status, "rows": job.rows_written, "percent": job.percent, "finished": job.finished})
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(available=file_path(self.object) is not None, **kwargs)


class DownloadView(ScopedPermissionMixin, generic.DetailView):
    permission_required = "exports.view_export"

    queryset = ExportJob.objects.all()

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        path = file_path(job)
        if path is None:
            raise Http404
        stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
        return FileResponse(path.open("rb"), as_attachment=True, filename=f"hrflow-{job.kind}-{stamp}.xlsx",
                            content_type=XLSX_CONTENT_TYPE)
