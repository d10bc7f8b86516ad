"""Issue 13 item 4: no user of one region reaches another region's data, through any page,
export or API endpoint.

Two regions, Ayland and Zedland, each with its own sub-region, authorities, target set,
targets, an approved return with lines, a deadline, a project, a Board meeting with an agenda
item, a paper, a build and an issued paper, an upload, and its own programme manager, Board
member, Director and administrator. Every name of a region's objects carries its marker
("Ayland…", "Zedland…").

The walk takes every named URL pattern of the site from the URLconf (so a new page is covered
as soon as it exists; ``test_every_url_pattern_is_walked`` fails for a pattern with
parameters that the walk cannot fill), fills its parameters with the OTHER region's objects,
and asks it as each user of one region: a page or endpoint that names the other region's
objects must answer 404 or 403 (GET, or POST where it only takes POST); a page without
parameters may answer, but never with the other region's marker in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from authorities.models import AuthorityKind, Region
from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.models import Action, AgendaItem, Decision, IssuedPaper, Meeting, Paper, PaperBuild
from returns import services
from returns.models import Deadline, LineState
from returns.periods import Quarter
from returns.work_models import ImportUpload
from targets.projects import Project, ProjectAuthority, ProjectTarget
from tests.factories import (
    AuthorityAliasFactory,
    AuthorityFactory,
    DeadlineFactory,
    LAAAreaFactory,
    MeasureFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    ThemeFactory,
    make_user,
)

Q3 = Quarter(2009, 3)
ROLES = (PROGRAMME_MANAGER, BOARD_MEMBER, DIRECTOR, ADMINISTRATOR)


def make_region(marker: str) -> SimpleNamespace:
    """A region whose every object is named after ``marker`` (see the module)."""
    slug = marker.lower()
    region = Region.objects.create(slug=f"{slug}-region", name=f"{marker} Region")
    sub_region = SubRegionFactory(region=region, slug=f"{slug}-vale", name=f"{marker} Vale")
    county = AuthorityFactory(
        sub_region=sub_region,
        slug=f"{slug}-county",
        name=f"{marker} County Council",
        short_name=f"{marker} CC",
        kind=AuthorityKind.COUNTY,
    )
    district = AuthorityFactory(
        sub_region=sub_region,
        slug=f"{slug}-district",
        name=f"{marker} District Council",
        short_name=f"{marker} DC",
        kind=AuthorityKind.DISTRICT,
    )
    target_set = TargetSetFactory(
        region=region, slug=f"{slug}-targets", title=f"{marker} targets 2009"
    )
    theme = ThemeFactory(target_set=target_set, name=f"{marker} theme")
    target = TargetFactory(
        target_set=target_set,
        theme=theme,
        code=f"{slug}-invoices",
        title=f"{marker} invoices paid in 30 days",
        # A measure is shared vocabulary: named without the marker (see SHARED).
        measure=MeasureFactory(slug=f"{slug}-percent", name=f"Per cent {marker[0]}"),
        threshold=Decimal(95),
    )
    system = services.system_actor()
    return_obj, _ = services.open_return(
        sub_region=sub_region, target_set=target_set, quarter=Q3, actor=system
    )
    services.update_lines(
        return_obj=return_obj,
        changes={
            (county.pk, target.pk): {"state": LineState.VALUE, "actual": Decimal(96)},
            (district.pk, target.pk): {"state": LineState.VALUE, "actual": Decimal(90)},
        },
        actor=system,
        channel="test",
    )
    services.submit_return(return_obj=return_obj, actor=system)
    services.approve_return(return_obj=return_obj, actor=system)
    line = return_obj.lines.order_by("pk").first()
    users = {
        role: make_user(
            role,
            username=f"{slug}-{role.lower().replace(' ', '-')}",
            sub_region=sub_region if role == PROGRAMME_MANAGER else None,
            region=region if role != PROGRAMME_MANAGER else None,
            is_staff=role == ADMINISTRATOR,
        )
        for role in ROLES
    }
    # The region's general deadline (every set of the region): before deadlines belonged to
    # a region, such a deadline was every region's, and any Director could move it.
    deadline = DeadlineFactory(
        region=region,
        year=Q3.year,
        quarter=Q3.quarter,
        due=date(2010, 1, 15),
        set_by=users[DIRECTOR],
    )
    laa_area = LAAAreaFactory(sub_region=sub_region, lead_authority=county, name=f"{marker} LAA")
    alias = AuthorityAliasFactory(authority=county, alias=f"{marker} CC alias")
    project = Project.objects.create(
        slug=f"{slug}-cctv",
        title=f"{marker} CCTV",
        kind="capital",
        sub_region=sub_region,
        status="approved",
        source="test",
    )
    ProjectTarget.objects.create(
        project=project, target=target, words=f"{marker} words", source="t"
    )
    ProjectAuthority.objects.create(project=project, authority=county, role="lead", source="t")
    meeting = Meeting.objects.create(region=region, date=date(2010, 1, 20), venue=f"{marker} Hall")
    item = AgendaItem.objects.create(meeting=meeting, number=8, title=f"{marker} targets review")
    decision = Decision.objects.create(
        meeting=meeting, number=1, text=f"{marker} decided", source="test"
    )
    action = Action.objects.create(
        raised_at=meeting, number=1, text=f"{marker} to act", owner=f"{marker} owner", source="t"
    )
    director = users[DIRECTOR]
    paper = Paper.objects.create(
        agenda_item=item,
        title=f"{marker} targets review",
        target_set=target_set,
        year=Q3.year,
        quarter=Q3.quarter,
        author=director,
        author_name=f"{marker} Director",
    )
    issued = IssuedPaper.objects.create(
        paper=paper,
        number=1,
        title=paper.title,
        issued_at=timezone.now(),
        issued_by=director,
        snapshot={"title": paper.title},
        snapshot_sha256="0" * 64,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
        pages=1,
    )
    build = PaperBuild.objects.create(paper=paper, requested_by=director, status="done")
    upload = ImportUpload.objects.create(
        uploader=users[PROGRAMME_MANAGER],
        filename=f"{slug}.csv",
        content=b"",
        size=0,
        sha256="0" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return SimpleNamespace(
        marker=marker,
        region=region,
        sub_region=sub_region,
        county=county,
        laa_area=laa_area,
        alias=alias,
        target_set=target_set,
        target=target,
        measure=target.measure,
        return_obj=return_obj,
        line=line,
        deadline=deadline,
        project=project,
        meeting=meeting,
        item=item,
        decision=decision,
        action=action,
        paper=paper,
        issued=issued,
        build=build,
        upload=upload,
        users=users,
    )


@pytest.fixture
def regions(db):
    return make_region("Ayland"), make_region("Zedland")


# ------------------------------------------------------------------------------ the URLconf


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name"
    params: tuple[str, ...]


def url_patterns() -> list[Pattern]:
    """Every named URL pattern of the site, with its parameters, from the URLconf."""
    found: list[Pattern] = []

    def walk(patterns, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}".lstrip(":")
                regex = entry.pattern.regex
                named = tuple(regex.groupindex)
                # Unnamed groups (a re_path's): positional parameters, "_1", "_2"...
                unnamed = tuple(f"_{n}" for n in range(1, regex.groups - len(named) + 1))
                found.append(Pattern(name, named + unnamed))

    walk(get_resolver().url_patterns, "")
    return found


#: Addresses outside the walk, and why.
SKIPPED_NAMESPACES: dict[str, str] = {}
SKIPPED = {
    "logout": "signs the user out (the walk would sign itself out)",
    "admin:logout": "signs the user out (the walk would sign itself out)",
    "password_reset_confirm": "a password reset link (a user id and token): no region's data",
    "admin:view_on_site": "redirects to the object's own page, which the walk asks itself",
}

#: How each parameterised pattern is filled from the other region (``o``).
FILL = {
    "returns:detail": lambda o: {"pk": o.return_obj.pk},
    "returns:edit": lambda o: {"pk": o.return_obj.pk},
    "returns:line": lambda o: {"pk": o.return_obj.pk, "line_pk": o.line.pk},
    "returns:line-panel": lambda o: {"pk": o.return_obj.pk, "line_pk": o.line.pk},
    "returns:rate-preview": lambda o: {"pk": o.return_obj.pk},
    "returns:copy-forward": lambda o: {"pk": o.return_obj.pk},
    "returns:reported": lambda o: {"pk": o.return_obj.pk},
    "returns:submit": lambda o: {"pk": o.return_obj.pk},
    "returns:approve": lambda o: {"pk": o.return_obj.pk},
    "returns:send-back": lambda o: {"pk": o.return_obj.pk},
    "returns:reopen": lambda o: {"pk": o.return_obj.pk},
    "returns:progress": lambda o: {"pk": o.return_obj.pk},
    "returns:upload": lambda o: {"pk": o.upload.pk},
    "returns:upload-status": lambda o: {"pk": o.upload.pk},
    "returns:upload-apply": lambda o: {"pk": o.upload.pk},
    "returns:upload-check": lambda o: {"pk": o.upload.pk},
    "returns:deadline-delete": lambda o: {"deadline_pk": o.deadline.pk},
    "rules:target": lambda o: {"pk": o.target.pk},
    "targets:set-detail": lambda o: {"slug": o.target_set.slug},
    "reports:sub-region": lambda o: {"slug": o.sub_region.slug},
    "reports:target": lambda o: {"code": o.target.code},
    "reports:authority": lambda o: {"slug": o.county.slug},
    "projects:detail": lambda o: {"slug": o.project.slug},
    "papers:meeting": lambda o: {"pk": o.meeting.pk},
    "papers:meeting-edit": lambda o: {"pk": o.meeting.pk},
    "papers:paper-new": lambda o: {"item_pk": o.item.pk},
    "papers:report-new": lambda o: {"item_pk": o.item.pk},
    "papers:actions-log": lambda o: {"pk": o.meeting.pk},
    "papers:decision-new": lambda o: {"pk": o.meeting.pk},
    "papers:action-new": lambda o: {"pk": o.meeting.pk},
    "papers:action-done": lambda o: {"pk": o.action.pk},
    "papers:action-carry": lambda o: {"pk": o.action.pk},
    "papers:build": lambda o: {"pk": o.build.pk},
    "papers:build-status": lambda o: {"pk": o.build.pk},
    "papers:build-download": lambda o: {"pk": o.build.pk},
    "api-targets": lambda o: {"slug": o.target_set.slug},
    "api-return": lambda o: {"pk": o.return_obj.pk},
    "api-return-lines": lambda o: {"pk": o.return_obj.pk},
    "api-return-submit": lambda o: {"pk": o.return_obj.pk},
    "api-dashboard-sub-region": lambda o: {"slug": o.sub_region.slug},
    "api-dashboard-target": lambda o: {"code": o.target.code},
    "api-dashboard-authority": lambda o: {"slug": o.county.slug},
}
# A paper's own addresses, and an issued paper's.
for _name in ("paper", "paper-edit", "sections", "preview", "pdf", "xlsx", "csv", "issue"):
    FILL[f"papers:{_name}"] = lambda o: {"pk": o.paper.pk}
for _name in ("issued", "issued-html", "issued-pdf", "issued-xlsx", "issued-csv"):
    FILL[f"papers:{_name}"] = lambda o: {"pk": o.issued.pk}

#: Shared on purpose: a measure is the national vocabulary of every region's targets (its page
#: lists only the user's own region's re-ratings); the page must not name the other region.
SHARED = {
    "rules:measure": lambda o: {"pk": o.measure.pk},
    "admin:app_list": lambda o: {"app_label": "authorities"},
}

#: The admin's object pages (change, delete, history), by model: the other region's object.
ADMIN_OBJECTS = {
    "authorities_region": lambda o: o.region,
    "authorities_subregion": lambda o: o.sub_region,
    "authorities_laaarea": lambda o: o.laa_area,
    "authorities_authority": lambda o: o.county,
    "authorities_authorityalias": lambda o: o.alias,
    "authorities_membership": lambda o: o.users[PROGRAMME_MANAGER].membership,
    "authorities_regionmembership": lambda o: o.users[DIRECTOR].region_membership,
    "targets_targetset": lambda o: o.target_set,
    "targets_target": lambda o: o.target,
    "targets_theme": lambda o: o.target.theme,
    "targets_project": lambda o: o.project,
    "reports_meeting": lambda o: o.meeting,
    "reports_decision": lambda o: o.decision,
    "reports_action": lambda o: o.action,
    "reports_paper": lambda o: o.paper,
    "reports_issuedpaper": lambda o: o.issued,
    "reports_paperbuild": lambda o: o.build,
    "auth_user": lambda o: o.users[PROGRAMME_MANAGER],
}
#: The admin's models that belong to no region: every region's measures, roles, the sign-in
#: records, API tokens, the worker's heartbeat and task results.
ADMIN_SHARED = {
    "targets_measure",
    "auth_group",
    "authtoken_tokenproxy",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "reports_workerheartbeat",
    "django_tasks_database_dbtaskresult",
}
for _model, _object in ADMIN_OBJECTS.items():
    for _action in ("change", "delete", "history"):
        FILL[f"admin:{_model}_{_action}"] = lambda o, _object=_object: {"object_id": _object(o).pk}
    # A past version of the object (django-simple-history): positional (object, version).
    FILL[f"admin:{_model}_simple_history"] = lambda o, _object=_object: (
        _object(o).pk,
        _object(o).history.order_by("history_id").first().history_id,
    )
FILL["admin:auth_user_password_change"] = lambda o: {"id": o.users[PROGRAMME_MANAGER].pk}


def walked() -> list[Pattern]:
    return [
        pattern
        for pattern in url_patterns()
        if pattern.name.split(":")[0] not in SKIPPED_NAMESPACES and pattern.name not in SKIPPED
    ]


def test_every_url_pattern_is_walked():
    """A new page with parameters must say here how the walk fills them."""
    unfilled = [
        pattern.name
        for pattern in walked()
        if pattern.params
        and pattern.name not in FILL
        and pattern.name not in SHARED
        and not _admin_shared(pattern.name)
    ]
    assert unfilled == []
    # And the walk is not empty: the site's pages, exports and API endpoints are all there.
    names = {pattern.name for pattern in walked()}
    assert {"reports:overview", "returns:export", "api-returns", "papers:issued-pdf"} <= names


def _admin_shared(name: str) -> bool:
    if not name.startswith("admin:"):
        return False
    name = name[len("admin:") :]
    if name.endswith("_simple_history"):
        return name.removesuffix("_simple_history") in ADMIN_SHARED
    return name.rsplit("_", 1)[0] in ADMIN_SHARED


def _reverse(name: str, filled) -> str:
    if isinstance(filled, tuple):
        return reverse(name, args=filled)
    return reverse(name, kwargs=filled)


def _refused(name: str, response) -> bool:
    """404 or 403; in the admin, also its redirect to the index (an object it cannot find)
    or to its sign-in page (not staff)."""
    if response.status_code in (403, 404):
        return True
    return name.startswith("admin:") and response.status_code == 302


def _ask(client, url: str):
    """GET; where only another method is allowed, that method (an empty body)."""
    response = client.get(url)
    for method in ("post", "patch", "put"):
        if response.status_code != 405:
            break
        response = getattr(client, method)(
            url,
            {} if method == "post" else "{}",
            **({} if method == "post" else {"content_type": "application/json"}),
        )
    return response


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("direction", ["a-asks-z", "z-asks-a"])
def test_no_user_reaches_another_regions_data(client, regions, role, direction):
    mine, other = regions if direction == "a-asks-z" else reversed(regions)
    client.force_login(mine.users[role])
    leaks = []
    for pattern in walked():
        if pattern.params and _admin_shared(pattern.name):
            continue  # no region's data (ADMIN_SHARED)
        if pattern.params and pattern.name in SHARED:
            url = _reverse(pattern.name, SHARED[pattern.name](other))
            response = _ask(client, url)
            if other.marker in _text(response):
                leaks.append((url, response.status_code, "names the other region"))
            continue
        if pattern.params:
            url = _reverse(pattern.name, FILL[pattern.name](other))
            response = _ask(client, url)
            if not _refused(pattern.name, response):
                leaks.append((url, response.status_code, "answered"))
            elif other.marker in _text(response):
                leaks.append((url, response.status_code, "names the other region"))
            continue
        url = reverse(pattern.name)
        # A page may take its choices in the query string: ask for the other region's too.
        for query in (
            "",
            f"?target_set={other.target_set.slug}&sub_region={other.sub_region.slug}",
        ):
            response = _ask(client, url + query)
            if other.marker in _text(response):
                leaks.append((url + query, response.status_code, "names the other region"))
    assert leaks == [], "\n".join(map(str, leaks))
    # Nothing was changed by the walk's POSTs either.
    other.return_obj.refresh_from_db()
    assert other.return_obj.status == "approved"
    assert Deadline.objects.filter(pk=other.deadline.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_each_user_still_sees_their_own_region(client, regions, role):
    """The walk's refusals are about the region, not a blanket refusal: the same user opens
    their own region's pages and finds its names there."""
    mine, other = regions
    client.force_login(mine.users[role])
    home = client.get(reverse("home"))
    assert mine.sub_region.name in home.content.decode()
    assert other.marker not in home.content.decode()
    overview = client.get(reverse("reports:overview"), {"target_set": mine.target_set.slug})
    if role == ADMINISTRATOR or overview.status_code == 200:
        assert overview.status_code == 200
        assert mine.sub_region.name in overview.content.decode()
    detail = client.get(reverse("returns:detail", args=[mine.return_obj.pk]))
    assert detail.status_code == 200


def test_a_national_user_sees_every_region_side_by_side(client, regions):
    client.force_login(make_user(BOARD_MEMBER, national=True, username="national"))

    page = client.get(reverse("reports:regions"), {"basis": "approved"})

    text = page.content.decode()
    assert page.status_code == 200
    for name in ("Ayland Region", "Zedland Region", "Ayland targets 2009", "Zedland targets 2009"):
        assert name in text
    # Each set's own region-wide rating, read from the stored overall rows: one Amber target
    # (one authority of two below 95%, within the measure's tolerance) in each region.
    assert text.count('<span class="rag rag--A">A</span> 1 Amber') == 2
    assert "East Midlands</th>" not in text  # no third region: the national user is unbound
    api = client.get(reverse("api-returns")).json()
    assert {row["sub_region"] for row in api["results"]} == {"ayland-vale", "zedland-vale"}


def test_the_regions_page_shows_a_regional_user_their_own_region_alone(client, regions):
    ayland, _ = regions
    client.force_login(ayland.users[BOARD_MEMBER])

    text = client.get(reverse("reports:regions")).content.decode()

    assert "Ayland Region" in text
    assert "Zedland" not in text


def test_the_regions_page_reads_a_bounded_number_of_rows(
    client, regions, django_assert_max_num_queries
):
    for marker in ("Third", "Fourth"):
        make_region(marker)
    client.force_login(make_user(BOARD_MEMBER, national=True, username="national"))

    # Session, user, permissions (1), then the page's own five queries.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("reports:regions"))

    assert response.status_code == 200
    assert response.content.decode().count("targets 2009") == 4


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), (PROGRAMME_MANAGER, 200), (BOARD_MEMBER, 200), (DIRECTOR, 200)],
)
def test_the_regions_page_permissions(client, regions, role, status):
    ayland, _ = regions
    if role is not None:
        client.force_login(ayland.users[role])
    assert client.get(reverse("reports:regions")).status_code == status


def test_a_user_bound_to_no_region_sees_no_region(client, regions):
    user = make_user(BOARD_MEMBER, username="unbound")
    user.region_membership.delete()
    client.force_login(user)

    assert "Ayland" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("api-returns")).json()["results"] == []


def test_the_admin_refuses_another_regions_meeting_by_raw_id(client, regions):
    """A raw id field takes any number: the admin's choices are the user's region's still, so
    a decision or an action is never attached to another region's Board (reports.admin)."""
    mine, other = regions
    director = mine.users[DIRECTOR]
    director.is_staff = True  # a deployment may let its Director into the admin
    director.save()
    client.force_login(director)
    decisions, actions = Decision.objects.count(), Action.objects.count()

    decision = client.post(
        reverse("admin:reports_decision_add"),
        {"meeting": other.meeting.pk, "number": 99, "text": "Not ours to decide.", "source": ""},
    )
    action = client.post(
        reverse("admin:reports_action_add"),
        {
            "raised_at": mine.meeting.pk,
            "due_meeting": other.meeting.pk,
            "number": 99,
            "text": "Carried elsewhere.",
            "owner": "Nobody",
            "status": "open",
            "status_recorded": "on",
            "due_text": "",
            "done_note": "",
            "source": "",
        },
    )

    assert decision.status_code == 200
    assert "errorlist" in decision.content.decode()
    assert action.status_code == 200
    assert "errorlist" in action.content.decode()
    assert (Decision.objects.count(), Action.objects.count()) == (decisions, actions)


def test_an_action_stays_with_the_board_that_raised_it(regions):
    mine, other = regions
    mine.action.due_meeting = other.meeting

    with pytest.raises(ValidationError, match="another region's Board's"):
        mine.action.full_clean()


def test_the_regions_page_costs_the_same_for_more_regions(client, regions):
    """The regions side by side (returns.regions): a bounded number of queries, whatever the
    number of regions, sets and returns."""
    client.force_login(make_user(BOARD_MEMBER, national=True, username="national"))
    url = reverse("reports:regions")
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        client.get(url)

    make_region("Exland")
    with CaptureQueriesContext(connection) as three:
        text = client.get(url).content.decode()

    assert "Exland Region" in text
    assert len(three.captured_queries) == len(two.captured_queries)
