"""Board papers' builds, issuing and issued papers (mounted at /papers/, namespace "papers").

The Director builds a paper's PDF and issues it (frozen PDF and data) outside the request, on
the task worker, and follows each build's progress; readers open issued papers, their frozen
files and the figures restated since. Who may: reports/paper_views.py's module docstring.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from . import worker
from .models import BuildKind, BuildStatus, IssuedPaper, PaperBuild
from .paper_access import (
    COMPOSE,
    ISSUE,
    READ_ISSUED,
    can_read,
    data_file,
    download,
    export_offer,
    paper_of,
    stem,
)
from .papers import background
from .papers.issuing import restatements
from .papers.render import render_html
from .papers.snapshot import current_return_states, return_states, unapproved_counted
from .regions import papers_of


class StartBuildView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: take the snapshot and build the PDF outside the request; show its progress."""

    permission_required = COMPOSE
    kind = BuildKind.PDF

    def post(self, request, pk):
        paper = paper_of(pk, request.user)
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
        return self._page(request, paper_of(pk, request.user))

    def post(self, request, pk):
        paper = paper_of(pk, request.user)
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
        allowed = (own and can_read(user)) or user.has_perm(COMPOSE)
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
        return download(bytes(content), build.filename, build.content_type)


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
        return download(
            issued.pdf_bytes,
            f"{stem(issued.paper, f'issue-{issued.number}')}.pdf",
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
            return export_offer(request, issued.paper, self.fmt, lines, request.path)
        return data_file(
            issued.snapshot, self.fmt, stem(issued.paper, f"issue-{issued.number}-data")
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
