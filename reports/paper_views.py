"""Board papers' pages (mounted at /papers/, namespace "papers"): meetings, papers, their
sections, preview and draft data. Builds, issuing and issued papers: reports/build_views.py.

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
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.decorators.http import require_GET

from .markdown import numbered_paragraphs
from .models import (
    APPENDIX_CHOICES,
    Action,
    AgendaItem,
    Decision,
    IssuedPaper,
    Paper,
)
from .paper_access import (
    COMPOSE,
    ISSUE,
    READ_ISSUED,
    can_read,
    data_file,
    data_paper,
    export_offer,
    paper_of,
    refused,
    stem,
)
from .papers import background, services
from .papers.forms import (
    MeetingForm,
    PaperForm,
    ReportForm,
    SectionFormSet,
    VersionForm,
)
from .papers.render import render_html
from .papers.snapshot import (
    build_snapshot,
)
from .regions import meetings_of, papers_of


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
    if not can_read(request.user):
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
                refused(form, error)
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
                refused(form, error)
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
                refused(form, error, PAPER_ALIASES)
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
        paper = paper_of(pk, request.user)
        form = self._form(paper)
        return render(
            request,
            "reports/papers/paper_form.html",
            {"form": form, "item": paper.agenda_item, "paper": paper},
        )

    def post(self, request, pk):
        paper = paper_of(pk, request.user)
        form = self._form(paper, request.POST)
        if form.is_valid():
            try:
                paper = services.update_paper(
                    paper=paper, actor=request.user, **self._details(form)
                )
            except ValidationError as error:
                refused(form, error, PAPER_ALIASES)
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
        if not can_read(request.user):
            raise PermissionDenied("You may not read Board papers.")
        paper = paper_of(pk, request.user)
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
        paper = paper_of(pk, request.user)
        formset = SectionFormSet(
            instance=paper, queryset=paper.sections.order_by("order", "number", "id")
        )
        return self._render(
            request, paper, formset, VersionForm(initial={"version": paper.version})
        )

    def post(self, request, pk):
        paper = paper_of(pk, request.user)
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
        paper = paper_of(pk, request.user)
        snapshot = build_snapshot(paper, user=request.user)
        html = render_html(snapshot, screen=True, back_url=paper.get_absolute_url())
        return HttpResponse(html)


class DraftDataView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The draft's data as Excel or CSV: built now when small, by the worker when large
    (GET says so and offers to; POST asks the worker)."""

    permission_required = COMPOSE
    fmt = "xlsx"

    def get(self, request, pk):
        paper = data_paper(pk, request.user)
        lines = background.draft_lines(paper)
        if background.export_in_background(lines):
            return export_offer(request, paper, self.fmt, lines, request.path)
        snapshot = build_snapshot(paper, user=request.user)
        return data_file(snapshot, self.fmt, stem(paper, "draft-data"))

    def post(self, request, pk):
        paper = data_paper(pk, request.user)
        if not background.export_in_background(background.draft_lines(paper)):
            return redirect(request.path)  # small: the GET answers with the file
        return redirect(background.start_export(paper, fmt=self.fmt, user=request.user))
