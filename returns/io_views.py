"""Import and export pages: thin views over returns.import_uploads and returns.exporting.

Importing is two steps on one upload (returns.import_uploads): the file is kept and checked,
and its page lists every change and notice; "Apply" imports that same upload. A large file is
checked and applied by the task worker, its page showing the progress.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import FormView

from . import exporting, import_uploads
from .forms_io import ExportForm, ImportForm
from .importing.reading import ImportFileError, quick_check
from .models import ImportUpload, Rating, Return, UploadState
from .tables import rag

#: A file with thousands of bad rows lists this many on the page (the command lists them all).
ERRORS_SHOWN = 500
#: A preview lists this many changes (the rest are counted; the command lists them all).
CHANGES_SHOWN = 2000


def _for_return(request) -> Return | None:
    """The return the import page was opened from (?return=<id>), if the user may see it."""
    pk = request.GET.get("return", "")
    if not pk.isdigit():
        return None
    return Return.objects.for_user(request.user).select_related("sub_region").filter(pk=pk).first()


class ImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Upload a returns file: it is kept and checked, then its page shows the preview."""

    permission_required = "returns.change_returnline"
    template_name = "returns/import.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        import_uploads.purge_expired()
        context["for_return"] = _for_return(self.request)
        context["uploads"] = list(
            ImportUpload.objects.filter(
                uploader=self.request.user, expires_at__gt=timezone.now()
            ).defer("content", "preview", "result")[:10]
        )
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            # A file that cannot be a returns file is refused here, at once, whatever its size.
            quick_check(content=content, filename=upload.name)
        except ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        kept = import_uploads.keep_upload(
            content=content, filename=upload.name, user=self.request.user
        )
        return redirect("returns:upload", pk=kept.pk)


def _upload_for(request, pk: int) -> ImportUpload:
    """The user's own upload (anyone else's is a 404), settled if its worker died."""
    upload = get_object_or_404(ImportUpload.objects.defer("content"), pk=pk, uploader=request.user)
    import_uploads.settle(upload)
    return upload


class UploadMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "returns.change_returnline"


class UploadView(UploadMixin, View):
    """An upload's page: its progress, its preview (every change and notice) with "Apply", or
    what applying it did."""

    def get(self, request, pk: int):
        upload = _upload_for(request, pk)
        preview = import_uploads.preview_of(upload)
        result = import_uploads.result_of(upload)
        report = result or preview
        changes = report.changes if report else []
        context = {
            "upload": upload,
            "state": import_uploads.state_of(upload),
            "preview": preview,
            "result": result,
            "report": report,
            "errors_shown": report.errors[:ERRORS_SHOWN] if report else [],
            "errors_hidden": max(len(report.errors) - ERRORS_SHOWN, 0) if report else 0,
            "changes": [
                (change, _rag_of(change.rating_before), _rag_of(change.rating_after))
                for change in changes[:CHANGES_SHOWN]
            ],
            "changes_hidden": max(len(changes) - CHANGES_SHOWN, 0),
            "can_apply": upload.state == UploadState.CHECKED and upload.expires_at > timezone.now(),
            "can_check_again": upload.state in (UploadState.FAILED, UploadState.CHECKED)
            and upload.expires_at > timezone.now(),
        }
        return render(request, "returns/import_upload.html", context)


def _rag_of(code: str):
    """A planned change's rating as shown ("none": a sub-region's own rating not given)."""
    return rag(code if code in Rating.values else None)


class UploadStatusView(UploadMixin, View):
    """The upload's progress as JSON (polled by static/js/paper-build.js)."""

    def get(self, request, pk: int):
        upload = _upload_for(request, pk)
        return JsonResponse(import_uploads.state_of(upload))


class ApplyUploadView(UploadMixin, View):
    """Apply the previewed upload, without choosing the file again."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        upload = _upload_for(request, pk)
        try:
            upload = import_uploads.apply_upload(upload, user=request.user)
        except import_uploads.UploadRefused as error:
            messages.error(request, str(error))
            return redirect("returns:upload", pk=pk)
        result = import_uploads.result_of(upload)
        if result is not None:
            if result.errors:
                messages.error(request, result.summary())
            else:
                messages.success(request, result.summary())
        return redirect("returns:upload", pk=pk)


class CheckUploadView(UploadMixin, View):
    """Check the same upload again (to see what it would change now)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        upload = _upload_for(request, pk)
        try:
            import_uploads.check_again(upload, user=request.user)
        except import_uploads.UploadRefused as error:
            messages.error(request, str(error))
        return redirect("returns:upload", pk=pk)


class ExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The export form; with ?format=csv|xlsx, the file of the returns the user may see."""

    permission_required = "returns.view_return"
    template_name = "returns/export.html"

    def get(self, request):
        bound = "format" in request.GET
        initial = {
            name: request.GET[name]
            for name in ("target_set", "period", "sub_region")
            if name in request.GET and not bound
        }
        form = ExportForm(request.GET if bound else None, user=request.user, initial=initial)
        if bound and form.is_valid():
            export = exporting.export_returns(
                user=request.user,
                filters=form.cleaned_data["filters"],
                fmt=form.cleaned_data["format"],
            )
            response = HttpResponse(export.content, content_type=export.content_type)
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=export.filename
            )
            return response
        return render(request, self.template_name, {"form": form})
