"""The grid's helpers in the page: the rating as a value is typed, and a line's every field in a
panel beside the grid (static/js/grid.js). Both answer only the sub-region's programme
manager (403 otherwise), behind Django's CSRF check like every POST.

Without JavaScript neither is used: the grid saves its values by its own form, and each
rating links to the line's page, where every field is edited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views import View

from targets.models import level_labels

from . import services
from .errors import InvalidLines, ReturnLocked, StaleReturn
from .forms import LineForm, ReturnGridForm
from .models import Return, ReturnLine
from .preview import rate_preview
from .tables import Cell, rag
from .views import WEB, ReturnMixin, locked_message


def _line(return_obj: Return, pk) -> ReturnLine:
    queryset = ReturnLine.objects.select_related(
        "authority", "target__measure", "target__theme"
    ).prefetch_related("target__measure__levels")
    line = get_object_or_404(queryset, return_obj=return_obj, pk=pk)
    line.return_obj = return_obj
    line.target.levels = level_labels(line.target.measure)
    return line


class RatePreviewView(ReturnMixin, View):
    """POST line=<id>, actual=<as typed> (and from the panel: state, target_value,
    manual_rating): the rating the engine gives, as JSON; nothing is saved."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        line_id = request.POST.get("line", "")
        if not line_id.isdigit():
            return JsonResponse({"ok": False, "error": "Say which line (line=<id>)."}, status=400)
        line = _line(self.return_obj, line_id)
        try:
            answer = rate_preview(line, request.POST)
        except ValidationError as error:
            return JsonResponse({"ok": False, "error": " ".join(error.messages)})
        return JsonResponse(answer)


class LinePanelView(ReturnMixin, View):
    """GET: the form of every field of a line (an HTML fragment for the grid's panel).
    POST: save it through services.update_lines; JSON with the cell as it now is and the
    return's new version, or the form again with what is wrong."""

    template_name = "returns/_line_panel.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        line = _line(self.return_obj, kwargs["line_pk"])
        if not self.return_obj.is_editable:
            return JsonResponse({"ok": False, "error": locked_message(self.return_obj)}, status=409)
        version = request.GET.get("version", "")
        form = LineForm(
            line=line,
            version=int(version) if version.isdigit() else self.return_obj.version,
            auto_id="panel_%s",
        )
        return HttpResponse(self._form_html(line, form))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        line = _line(self.return_obj, kwargs["line_pk"])
        form = LineForm(
            request.POST, line=line, version=self.return_obj.version, auto_id="panel_%s"
        )
        if not form.is_valid():
            return self._refused(line, form, "Nothing was saved: correct the fields marked.")
        try:
            result = services.update_lines(
                return_obj=self.return_obj,
                changes={(line.authority_id, line.target_id): form.changes()},
                actor=request.user,
                channel=WEB,
                base_version=form.cleaned_data["version"],
            )
        except ReturnLocked as error:
            return JsonResponse({"ok": False, "error": " ".join(error.messages)}, status=409)
        except StaleReturn as error:
            return self._refused(
                line,
                form,
                f"{error.messages[0]} Reload the grid to see their changes.",
                status=409,
            )
        except InvalidLines as error:
            for problem in error.problems:
                if problem.field in form.fields:
                    form.add_error(problem.field, problem.message)
                else:
                    form.add_error(None, problem.message)
            return self._refused(line, form, "Nothing was saved: correct the fields marked.")
        saved = _line(self.return_obj, line.pk)
        grid_form = ReturnGridForm(lines=[saved], version=result.version)
        cell = Cell(
            authority=saved.authority,
            target=saved.target,
            line=saved,
            field=grid_form[ReturnGridForm.field_name(saved)],
        )
        changed = bool(result.changed)
        return JsonResponse(
            {
                "ok": True,
                "version": result.version,
                "cell": render_to_string("returns/_grid_cell.html", {"cell": cell}),
                "message": (
                    f"Saved {cell.name}. The return is still "
                    f"{self.return_obj.get_status_display().lower()}."
                    if changed
                    else f"Nothing had changed in {cell.name}: nothing to save."
                ),
            }
        )

    def _form_html(self, line: ReturnLine, form: LineForm) -> str:
        return render_to_string(
            self.template_name,
            {
                "line": line,
                "form": form,
                "return_obj": self.return_obj,
                "line_rag": rag(line.effective_rating),
            },
            request=self.request,
        )

    def _refused(self, line, form, message: str, *, status: int = 400) -> JsonResponse:
        return JsonResponse(
            {"ok": False, "error": message, "html": self._form_html(line, form)}, status=status
        )
