"""Board papers' pages (mounted at /papers/, namespace "papers").

Who may do what (reports/migrations/0002_roles.py):

* the Director composes meetings, agenda items and papers, previews them, downloads their PDF,
  Excel and CSV, and issues them;
* Board members, administrators and programme managers read issued papers (frozen PDF, Excel
  and CSV of the frozen data, the paper as HTML, and the figures restated since);
* nobody else sees a draft; anonymous visitors are sent to the login page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.forms import BaseForm
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views import View
from django.views.decorators.http import require_GET

from . import worker
from .markdown import numbered_paragraphs
from .models import (
    APPENDIX_CHOICES,
    Action,
    AgendaItem,
    BuildKind,
    BuildStatus,
    Decision,
    IssuedPaper,
    Paper,
    PaperBuild,
)
from .papers import background, exports, services
from .papers.forms import (
    MeetingForm,
    PaperForm,
    ReportForm,
    SectionFormSet,
    VersionForm,
)
from .papers.issuing import restatements
from .papers.render import render_html
from .papers.snapshot import (
    build_snapshot,
    current_return_states,
    return_states,
    unapproved_counted,
)
from .regions import meetings_of, papers_of

COMPOSE = "reports.change_paper"
ISSUE = "reports.issue_paper"
READ_ISSUED = "reports.view_issuedpaper"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _stem(paper: Paper, suffix: str) -> str:
    item = paper.agenda_item
    return f"board-{item.meeting.date:%Y-%m-%d}-item-{item.number}-{suffix}"


def _can_read(user) -> bool:
    return user.has_perm(READ_ISSUED) or user.has_perm(COMPOSE)


def _paper(pk: int, user) -> Paper:
    """The paper, if of the user's region's Board (reports.regions); else a 404."""
    papers = Paper.objects.select_related("agenda_item__meeting", "target_set", "author")
    return get_object_or_404(papers_of(user, papers), pk=pk)


def _data_paper(pk: int, user) -> Paper:
    """A paper whose data can be exported: not a report without a target set."""
    paper = _paper(pk, user)
    if paper.is_narrative:
        raise Http404("A report without a target set has no data to export.")
    return paper


def _refused(form: BaseForm, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal shown on the form: on the field it names (or its ``aliases``
    entry) where the form has it, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (aliases or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def _paper_details(form: PaperForm) -> dict:
    """The service's keywords from a valid PaperForm (its quarter is "2009/10 Q3")."""
    data = form.cleaned_data
    return {
        "title": data["title"],
        "target_set": data["target_set"],
        "year": data["period"].year,
        "quarter": data["period"].quarter,
        "author_name": data["author_name"],
        "author_title": data["author_title"],
        "basis": data["basis"],
        "appendices": data["appendices"],
    }


#: The paper's fields that PaperForm shows as one ("period").
PAPER_ALIASES = {"year": "period", "quarter": "period"}


# --------------------------------------------------------------------------- listing


@login_required
@require_GET
def index(request):
    """Meetings and their papers: every draft for the Director, issued papers for readers."""
    if not _can_read(request.user):
        raise PermissionDenied("You may not read Board papers.")
    composer = request.user.has_perm(COMPOSE)
    issues = IssuedPaper.objects.defer("pdf", "snapshot").order_by("-number")
    # A meeting with minutes (decisions or actions) is listed for readers too.
    meetings = (
        meetings_of(request.user)
        .annotate(
            has_minutes=Exists(Decision.objects.filter(meeting=OuterRef("pk")))
            | Exists(Action.objects.filter(raised_at=OuterRef("pk")))
        )
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AgendaItem.objects.select_related("paper__target_set").prefetch_related(
                    Prefetch("paper__issues", queryset=issues)
                ),
            )
        )
    )
    rows = []
    for meeting in meetings:
        items = []
        for item in meeting.items.all():
            paper = getattr(item, "paper", None)
            issued = list(paper.issues.all()) if paper else []
            if composer or issued:
                items.append({"item": item, "paper": paper, "issues": issued})
        if composer or items or meeting.has_minutes:
            rows.append({"meeting": meeting, "items": items})
    return render(request, "reports/papers/index.html", {"rows": rows, "composer": composer})


class MeetingCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "reports.add_meeting"

    def get(self, request):
        return render(request, "reports/papers/meeting_form.html", {"form": MeetingForm()})

    def post(self, request):
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.create_meeting(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, f"{meeting} added. Now add its agenda items.")
                return redirect(meeting)
        return render(request, "reports/papers/meeting_form.html", {"form": form})


class MeetingEditView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "reports.change_meeting"

    def get(self, request, pk):
        meeting = get_object_or_404(meetings_of(request.user), pk=pk)
        form = MeetingForm(instance=meeting)
        return render(
            request, "reports/papers/meeting_form.html", {"form": form, "meeting": meeting}
        )

    def post(self, request, pk):
        meeting = get_object_or_404(meetings_of(request.user), pk=pk)
        form = MeetingForm(request.POST, instance=meeting)
        if form.is_valid():
            try:
                meeting = services.update_meeting(
                    meeting=meeting, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, "Meeting saved.")
                return redirect(meeting)
        return render(
            request, "reports/papers/meeting_form.html", {"form": form, "meeting": meeting}
        )


# --------------------------------------------------------------------------- composing


class PaperCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A new "Report of the Director" for an agenda item, with the usual sections."""

    permission_required = "reports.add_paper"

    def _item(self, item_pk):
        items = AgendaItem.objects.select_related("meeting")
        item = get_object_or_404(papers_of(self.request.user, items, "meeting"), pk=item_pk)
        if Paper.objects.filter(agenda_item=item).exists():
            raise Http404("This agenda item already has its paper.")
        return item

    #: True for a report without a target set (ReportForm, reports.papers.services.start_report).
    narrative = False

    def _new_form(self, item, data=None, **kwargs):
        # The target sets offered are the meeting's region's (reports.papers.forms.PaperForm).
        if self.narrative:
            return ReportForm(data, **kwargs)
        return PaperForm(data, region_id=item.meeting.region_id, **kwargs)

    def _render(self, request, form, item):
        return render(
            request,
            "reports/papers/paper_form.html",
            {"form": form, "item": item, "narrative": self.narrative},
        )

    def get(self, request, item_pk):
        item = self._item(item_pk)
        form = self._new_form(
            item,
            initial={
                "title": item.title,
                "author_name": request.user.get_full_name(),
                "author_title": "Director EM IEP",
            },
        )
        return self._render(request, form, item)

    def post(self, request, item_pk):
        item = self._item(item_pk)
        form = self._new_form(item, request.POST)
        if form.is_valid():
            try:
                if self.narrative:
                    paper = services.start_report(
                        agenda_item=item, author=request.user, **form.cleaned_data
                    )
                else:
                    paper = services.start_paper(
                        agenda_item=item, author=request.user, **_paper_details(form)
                    )
            except ValidationError as error:
                _refused(form, error, PAPER_ALIASES)
            else:
                messages.success(request, "Paper started: write its sections.")
                return redirect("papers:sections", pk=paper.pk)
        return self._render(request, form, item)


class PaperEditView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = COMPOSE

    def _form(self, paper, data=None):
        form_class = ReportForm if paper.is_narrative else PaperForm
        return form_class(data, instance=paper)

    def _details(self, form) -> dict:
        if isinstance(form, ReportForm):
            return form.cleaned_data | {"target_set": None, "year": None, "quarter": None}
        return _paper_details(form)

    def get(self, request, pk):
        paper = _paper(pk, request.user)
        form = self._form(paper)
        return render(
            request,
            "reports/papers/paper_form.html",
            {"form": form, "item": paper.agenda_item, "paper": paper},
        )

    def post(self, request, pk):
        paper = _paper(pk, request.user)
        form = self._form(paper, request.POST)
        if form.is_valid():
            try:
                paper = services.update_paper(
                    paper=paper, actor=request.user, **self._details(form)
                )
            except ValidationError as error:
                _refused(form, error, PAPER_ALIASES)
            else:
                messages.success(request, "Details saved.")
                return redirect(paper)
        return render(
            request,
            "reports/papers/paper_form.html",
            {"form": form, "item": paper.agenda_item, "paper": paper},
        )


class PaperView(LoginRequiredMixin, View):
    """The Director's page of a paper; readers are sent to its latest issue."""

    def get(self, request, pk):
        # Who may read papers at all is asked first: a user without a role is refused as on
        # every papers page, before whose region the paper is matters.
        if not _can_read(request.user):
            raise PermissionDenied("You may not read Board papers.")
        paper = _paper(pk, request.user)
        if not request.user.has_perm(COMPOSE):
            latest = paper.latest_issue() if request.user.has_perm(READ_ISSUED) else None
            if latest is None:
                raise PermissionDenied("This paper has not been issued.")
            return redirect(latest)
        sections = [
            {"section": section, "paragraphs": numbered_paragraphs(section.number, section.body)}
            for section in paper.sections.order_by("order", "number", "id")
        ]
        issues = list(paper.issues.defer("pdf", "snapshot").select_related("issued_by"))
        recent = list(paper.builds.defer("snapshot", "content")[:5])
        for build in recent:
            background.settle(build)
        return render(
            request,
            "reports/papers/paper_detail.html",
            {
                "paper": paper,
                "sections": sections,
                "issues": issues,
                "builds": recent,
                "pending_issue": background.pending_issue(paper),
                "can_issue": request.user.has_perm(ISSUE),
                "appendix_titles": [
                    (key, title) for key, title in APPENDIX_CHOICES if key in paper.appendices
                ],
            },
        )


class SectionsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Write the report: every section on one page (heading, text, position; delete; add)."""

    permission_required = COMPOSE
    template_name = "reports/papers/sections_form.html"

    def _render(self, request, paper, formset, version_form, conflict=False):
        return render(
            request,
            self.template_name,
            {
                "paper": paper,
                "formset": formset,
                "version_form": version_form,
                "conflict": conflict,
            },
        )

    def get(self, request, pk):
        paper = _paper(pk, request.user)
        formset = SectionFormSet(
            instance=paper, queryset=paper.sections.order_by("order", "number", "id")
        )
        return self._render(
            request, paper, formset, VersionForm(initial={"version": paper.version})
        )

    def post(self, request, pk):
        paper = _paper(pk, request.user)
        formset = SectionFormSet(
            request.POST,
            instance=paper,
            queryset=paper.sections.order_by("order", "number", "id"),
        )
        version_form = VersionForm(request.POST)
        if not (formset.is_valid() and version_form.is_valid()):
            return self._render(request, paper, formset, version_form)
        # save(commit=False) writes nothing: it gives the changed and new sections, and the
        # deleted ones (formset.deleted_objects), for the service to write.
        written = formset.save(commit=False)
        try:
            services.save_sections(
                paper=paper,
                base_version=version_form.cleaned_data["version"],
                changed=[
                    services.SectionEdit(
                        pk=section.pk,
                        heading=section.heading,
                        body=section.body,
                        order=section.order,
                    )
                    for section in written
                ],
                deleted=[section.pk for section in formset.deleted_objects],
                actor=request.user,
            )
        except services.StalePaper:
            messages.error(
                request,
                "The paper was changed in another window since you opened this page: "
                "nothing was saved. Your text is below; reload to see the other changes.",
            )
            return self._render(request, paper, formset, version_form, conflict=True)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return self._render(request, paper, formset, version_form)
        messages.success(request, "Saved.")
        if "preview" in request.POST:
            return redirect("papers:preview", pk=paper.pk)
        return redirect("papers:sections", pk=paper.pk)


# --------------------------------------------------------------------------- drafts' outputs


class PreviewView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The draft as it will print, in the browser (HTML; fast, no PDF)."""

    permission_required = COMPOSE

    def get(self, request, pk):
        paper = _paper(pk, request.user)
        snapshot = build_snapshot(paper, user=request.user)
        html = render_html(snapshot, screen=True, back_url=paper.get_absolute_url())
        return HttpResponse(html)


class DraftDataView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The draft's data as Excel or CSV: built now when small, by the worker when large
    (GET says so and offers to; POST asks the worker)."""

    permission_required = COMPOSE
    fmt = "xlsx"

    def get(self, request, pk):
        paper = _data_paper(pk, request.user)
        lines = background.draft_lines(paper)
        if background.export_in_background(lines):
            return _export_offer(request, paper, self.fmt, lines, request.path)
        snapshot = build_snapshot(paper, user=request.user)
        return _data_file(snapshot, self.fmt, _stem(paper, "draft-data"))

    def post(self, request, pk):
        paper = _data_paper(pk, request.user)
        if not background.export_in_background(background.draft_lines(paper)):
            return redirect(request.path)  # small: the GET answers with the file
        return redirect(background.start_export(paper, fmt=self.fmt, user=request.user))


def _data_file(snapshot: dict, fmt: str, stem: str) -> HttpResponse:
    if fmt == "xlsx":
        return _download(exports.render_xlsx(snapshot), f"{stem}.xlsx", exports.XLSX_CONTENT_TYPE)
    return _download(exports.render_csv(snapshot), f"{stem}.csv", exports.CSV_CONTENT_TYPE)


def _export_offer(request, paper: Paper, fmt: str, lines: int, action: str) -> HttpResponse:
    """A large export: the page that asks the worker to make it (a GET changes nothing)."""
    return render(
        request,
        "reports/papers/export_offer.html",
        {
            "paper": paper,
            "format_name": "Excel" if fmt == "xlsx" else "CSV",
            "lines": lines,
            "action": action,
        },
    )


class StartBuildView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: take the snapshot and build the PDF outside the request; show its progress."""

    permission_required = COMPOSE
    kind = BuildKind.PDF

    def post(self, request, pk):
        paper = _paper(pk, request.user)
        if self.kind == BuildKind.ISSUE and not request.user.has_perm(ISSUE):
            raise PermissionDenied("Only the Director issues papers.")
        try:
            build = background.start_build(paper, user=request.user, kind=self.kind)
        except background.IssueInProgress as error:
            messages.error(request, str(error))
            return redirect(paper)
        return redirect(build)


class IssueView(StartBuildView):
    """GET: what issuing means, and the state of every return the paper rests on; POST: issue
    (freeze the PDF and the data). Issuing with a return not yet approved needs the Director's
    explicit confirmation (a checkbox): without it nothing is issued and the page says why."""

    permission_required = ISSUE
    kind = BuildKind.ISSUE

    def _page(self, request, paper, *, error: str = "", status: int = 200):
        states = current_return_states(paper, user=request.user)
        latest = paper.latest_issue()
        return render(
            request,
            "reports/papers/issue_confirm.html",
            {
                "paper": paper,
                "next_number": (latest.number if latest else 0) + 1,
                "pending_issue": background.pending_issue(paper),
                "states": states,
                "unapproved": unapproved_counted(states),
                "left_out": [state for state in states if state["status"] and not state["counted"]],
                "error": error,
            },
            status=status,
        )

    def get(self, request, pk):
        return self._page(request, _paper(pk, request.user))

    def post(self, request, pk):
        paper = _paper(pk, request.user)
        try:
            build = background.start_build(
                paper,
                user=request.user,
                kind=self.kind,
                confirm_unapproved=request.POST.get("confirm_unapproved") == "yes",
            )
        except background.IssueInProgress as error:
            messages.error(request, str(error))
            return redirect(paper)
        except background.UnapprovedNotConfirmed as error:
            return self._page(request, paper, error=str(error), status=400)
        return redirect(build)


# --------------------------------------------------------------------------- builds


def _build_for(request, pk) -> PaperBuild:
    builds = PaperBuild.objects.select_related(
        "paper__agenda_item__meeting", "issued_paper", "source_issue"
    ).defer("snapshot", "content", "source_issue__pdf", "source_issue__snapshot")
    build = get_object_or_404(papers_of(request.user, builds, "paper__agenda_item__meeting"), pk=pk)
    user = request.user
    own = build.requested_by_id == user.pk
    if build.is_export:
        # A reader's export of an issue is theirs; the Director sees every export.
        allowed = (own and _can_read(user)) or user.has_perm(COMPOSE)
    else:
        allowed = user.has_perm("reports.view_paperbuild") and (own or user.has_perm(COMPOSE))
    if not allowed:
        raise PermissionDenied("This build is not yours.")
    background.settle(build)
    return build


def _build_state(build: PaperBuild) -> dict:
    waiting = build.status == BuildStatus.QUEUED and not worker.worker_running()
    return {
        "id": build.pk,
        "status": build.status,
        "status_label": build.get_status_display(),
        "progress": build.progress,
        "stage": "Waiting for the worker, which is not running" if waiting else build.stage,
        "error": build.error,
        "finished": build.finished,
        "pages": build.pages,
        "download_url": reverse("papers:build-download", args=[build.pk])
        if build.status == BuildStatus.DONE
        else None,
        "issued_url": build.issued_paper.get_absolute_url() if build.issued_paper_id else None,
    }


def _retry_url(build: PaperBuild) -> str:
    """Where the status page's "Try again" posts: the same request again."""
    if build.kind == BuildKind.ISSUE:
        return reverse("papers:issue", args=[build.paper_id])
    if build.source_issue_id:
        return reverse(f"papers:issued-{build.kind}", args=[build.source_issue_id])
    if build.is_export:
        return reverse(f"papers:{build.kind}", args=[build.paper_id])
    return reverse("papers:pdf", args=[build.paper_id])


class BuildView(LoginRequiredMixin, View):
    """A build's progress; when done, the file to download (or the issued paper)."""

    def get(self, request, pk):
        build = _build_for(request, pk)
        return render(
            request,
            "reports/papers/build_detail.html",
            {
                "build": build,
                "paper": build.paper,
                "state": _build_state(build),
                "retry_url": _retry_url(build),
            },
        )


class BuildStatusView(LoginRequiredMixin, View):
    """The build's state as JSON, for the status page's poller (static/js/paper-build.js)."""

    def get(self, request, pk):
        build = _build_for(request, pk)
        response = JsonResponse(_build_state(build))
        response["Cache-Control"] = "no-store"
        return response


class BuildDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        build = _build_for(request, pk)
        if build.status != BuildStatus.DONE:
            raise Http404("The file is not ready.")
        if build.issued_paper_id:
            return redirect("papers:issued-pdf", pk=build.issued_paper_id)
        content = PaperBuild.objects.values_list("content", flat=True).get(pk=build.pk)
        if content is None:
            raise Http404("This file has been cleared; build it again.")
        return _download(bytes(content), build.filename, build.content_type)


# --------------------------------------------------------------------------- issued papers


def _issued(request, pk, *, fields=()) -> IssuedPaper:
    if not request.user.has_perm(READ_ISSUED):
        raise PermissionDenied("You may not read Board papers.")
    queryset = IssuedPaper.objects.select_related("paper__agenda_item__meeting", "issued_by")
    if "pdf" not in fields:
        queryset = queryset.defer("pdf")
    queryset = papers_of(request.user, queryset, "paper__agenda_item__meeting")
    return get_object_or_404(queryset, pk=pk)


class IssuedView(LoginRequiredMixin, View):
    """An issued paper: its frozen files, and the figures restated since it was issued."""

    def get(self, request, pk):
        issued = _issued(request, pk)
        paper = issued.paper
        later = paper.issues.filter(number__gt=issued.number).defer("pdf", "snapshot")
        issue = issued.snapshot.get("issue") or {}
        states = issue.get("returns") or return_states(issued.snapshot["data"])
        return render(
            request,
            "reports/papers/issued_detail.html",
            {
                "issued": issued,
                "paper": paper,
                "snapshot": issued.snapshot,
                "states": states,
                "unapproved": unapproved_counted(states),
                "confirmed": issue.get("unapproved_confirmed", False),
                "restated": restatements(issued, user=request.user),
                "later": list(later),
                "composer": request.user.has_perm(COMPOSE),
            },
        )


class IssuedPaperHtmlView(LoginRequiredMixin, View):
    """The issued paper as HTML, from its frozen snapshot."""

    def get(self, request, pk):
        issued = _issued(request, pk)
        return HttpResponse(
            render_html(issued.snapshot, screen=True, back_url=issued.get_absolute_url())
        )


class IssuedPdfView(LoginRequiredMixin, View):
    """The frozen PDF, byte for byte as issued (its checksum is checked first)."""

    def get(self, request, pk):
        issued = _issued(request, pk, fields=("pdf",))
        if not issued.verify():
            raise RuntimeError(f"Issued paper {issued.pk}: the stored PDF fails its checksum.")
        return _download(
            issued.pdf_bytes,
            f"{_stem(issued.paper, f'issue-{issued.number}')}.pdf",
            "application/pdf",
        )


class IssuedDataView(LoginRequiredMixin, View):
    """Excel or CSV of the issue's frozen data: made now when small, by the worker when large
    (GET says so and offers to; POST asks the worker)."""

    fmt = "xlsx"

    def get(self, request, pk):
        issued = _issued(request, pk)
        if issued.snapshot["data"] is None:
            raise Http404("A report without a target set has no data to export.")
        lines = background.issue_lines(issued)
        if background.export_in_background(lines):
            return _export_offer(request, issued.paper, self.fmt, lines, request.path)
        return _data_file(
            issued.snapshot, self.fmt, _stem(issued.paper, f"issue-{issued.number}-data")
        )

    def post(self, request, pk):
        issued = _issued(request, pk)
        if issued.snapshot["data"] is None:
            raise Http404("A report without a target set has no data to export.")
        if not background.export_in_background(background.issue_lines(issued)):
            return redirect(request.path)
        build = background.start_export(
            issued.paper, fmt=self.fmt, user=request.user, issued=issued
        )
        return redirect(build)
