"""Import and export pages: thin views over returns.importing and returns.exporting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import FormView

from . import exporting, importing
from .forms_io import ExportForm, ImportForm

#: A file with thousands of bad rows lists this many on the page (the command lists them all).
ERRORS_SHOWN = 500


class ImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Upload a returns file: errors (nothing changed), a dry run's summary, or apply it."""

    permission_required = "returns.change_returnline"
    template_name = "returns/import.html"
    form_class = ImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        report = importing.import_file(
            content=upload.read(),
            filename=upload.name,
            actor=self.request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
        if report.errors or report.dry_run:
            context = self.get_context_data(
                form=form,
                report=report,
                errors_shown=report.errors[:ERRORS_SHOWN],
                errors_hidden=max(len(report.errors) - ERRORS_SHOWN, 0),
            )
            return self.render_to_response(context)
        messages.success(self.request, report.summary())
        return redirect("returns:import")


class ExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The export form; with ?format=csv|xlsx, the file of the returns the user may see."""

    permission_required = "returns.view_return"
    template_name = "returns/export.html"

    def get(self, request):
        bound = "format" in request.GET
        form = ExportForm(request.GET if bound else None, user=request.user)
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
