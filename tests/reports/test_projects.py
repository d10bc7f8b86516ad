"""The projects (seed 002, item 5): the fixture, the loader's refusals, the pages (permission
matrix, query counts), the current ratings of a project's targets, and a target's page listing
its projects."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from authorities.reference import FixtureError
from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.projects import build_project, projects_serving
from returns.models import Basis
from targets.models import Project, ProjectStatus, Target
from targets.project_reference import load_projects
from tests.factories import make_user

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "projects.toml"
#: Item 5's projects and the others the papers decide: (slug, SRP, status, bid, approved).
PROJECTS = [
    ("notts-cctv-central-network", "nottinghamshire", "resubmitted", 160000, None),
    ("derbyshire-cctv-amber-valley", "derbyshire", "resubmitted", 102000, None),
    ("derbyshire-cctv-south-derbyshire", "derbyshire", "resubmitted", 68000, None),
    ("derbyshire-world-heritage-site", "derbyshire", "resubmitted", 104000, None),
    ("lincs-warm-homes", "lincolnshire", "resubmitted", 300000, None),
    ("northants-alcohol-harm", "northamptonshire", "approved", 220000, 220000),
    ("northants-transportable-screens", "northamptonshire", "submitted", 90000, None),
    ("northants-document-imaging", "northamptonshire", "withdrawn", None, None),
    ("lincs-electric-vehicles", "lincolnshire", "approved", None, None),
    ("efficiency-challenge-programme", None, "approved", 250000, 250000),
    ("procurement-programme", None, "submitted", 225000, None),
]


def user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


# ------------------------------------------------------------------------------ the fixture


def test_every_project_of_the_papers_with_its_money_status_and_source(demo):
    projects = {project.slug: project for project in Project.objects.select_related("sub_region")}
    assert set(projects) == {slug for slug, *_ in PROJECTS}
    for slug, sub_region, status, bid, approved in PROJECTS:
        project = projects[slug]
        assert (project.sub_region.slug if project.sub_region else None) == sub_region
        assert project.status == status
        assert project.amount_bid == (Decimal(bid) if bid is not None else None)
        assert project.amount_approved == (Decimal(approved) if approved is not None else None)
        assert project.source.startswith("002, "), slug
        assert project.history.count() >= 1  # recorded like any change


def test_the_cctv_bids_name_their_partners_and_the_targets_they_serve(demo):
    amber_valley = Project.objects.get(slug="derbyshire-cctv-amber-valley")
    partners = set(amber_valley.authorities.values_list("authority__slug", "role"))
    assert partners == {
        ("amber-valley", "partner"),
        ("derbyshire", "partner"),
        ("derbyshire-fire-and-rescue", "partner"),
    }
    assert "Derbyshire Constabulary" in amber_valley.other_partners
    served = set(amber_valley.target_links.values_list("target__code", flat=True))
    assert served == {
        "st-annual-efficiency-target",
        "st-caa-organisational-assessment-performing-well",
    }
    for link in amber_valley.target_links.all():
        assert link.source.startswith("002, item 5 §3.3.2")
    heritage = Project.objects.get(slug="derbyshire-world-heritage-site")
    leads = set(heritage.authorities.filter(role="lead").values_list("authority__slug", flat=True))
    assert leads == {"derbyshire", "derby-city", "amber-valley", "derbyshire-dales", "erewash"}
    warm_homes = Project.objects.get(slug="lincs-warm-homes")
    assert list(warm_homes.target_links.values_list("target__code", flat=True)) == [
        "st-laa-75-percent"  # "EM IEP Stretch Target 9" in the paper's own numbering
    ]


def test_the_loader_is_idempotent(demo):
    summary = load_projects(path=FIXTURE)
    assert summary.created == summary.updated == 0
    assert summary.unchanged == 42


@pytest.mark.parametrize(
    ("snippet", "field"),
    [
        ('authority = "nowhere"', "authority"),
        ('target = "no-such-target"', "target"),
        ('status = "approved"\ndecision = ""', "decision"),
    ],
)
def test_a_bad_fixture_names_its_row_and_changes_nothing(demo, tmp_path, snippet, field):
    base = (
        '[[projects]]\nslug = "x"\ntitle = "X"\nkind = "capital"\nsource = "test"\n'
        'status = "submitted"\n'
    )
    if snippet.startswith("status"):
        text = base.replace('status = "submitted"\n', snippet + "\n")
    elif snippet.startswith("authority"):
        text = base + f'[[projects.authorities]]\n{snippet}\nrole = "lead"\nsource = "t"\n'
    else:
        text = base + f'[[projects.targets]]\n{snippet}\nwords = "w"\nsource = "t"\n'
    path = tmp_path / "projects.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FixtureError) as error:
        load_projects(path=path)
    assert error.value.field == field
    assert "projects #1" in str(error.value)
    assert not Project.objects.filter(slug="x").exists()


# ------------------------------------------------------------------------------- the pages


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("no role", 403),
        ("board", 200),
        ("director", 200),
        ("pm-derbyshire", 200),
        ("admin", 200),
    ],
)
def test_the_project_pages_permission_matrix(client, demo, who, status):
    if who == "no role":
        client.force_login(make_user(None))
    elif who != "anonymous":
        client.force_login(user(who))
    for url in (
        reverse("projects:list"),
        reverse("projects:detail", args=["derbyshire-cctv-amber-valley"]),
    ):
        assert client.get(url).status_code == status


def test_an_unknown_project_is_a_404(client, demo):
    client.force_login(user("board"))
    assert client.get(reverse("projects:detail", args=["nothing"])).status_code == 404


def test_the_list_shows_every_project_with_its_money_and_targets(client, demo):
    client.force_login(user("board"))
    html = client.get(reverse("projects:list")).content.decode()
    assert "CCTV in Amber Valley" in html
    assert "£102,000" in html
    assert "£220,000" in html  # the Chair's approval of the alcohol harm project
    assert "Re-submitted for approval" in html
    assert "Withdrawn" in html
    assert "None named in the papers" in html


def test_the_project_page_shows_its_targets_current_ratings(client, demo):
    client.force_login(user("board"))
    html = client.get(reverse("projects:detail", args=["derbyshire-cctv-amber-valley"])).content
    html = html.decode()
    assert "Target 4: CAA organisational assessments performing well" in html
    assert "Target 7: All authorities achieving their annual efficiency savings target" in html
    assert "2009/10 Q3" in html  # the latest quarter with an approved return
    assert '<span class="rag rag--R">R</span> Red' in html  # the region's target 4, approved
    assert "Amber Valley Borough Council" in html
    assert "The papers name no lead authority." in html


def test_the_ratings_follow_the_readers_basis_and_visibility(demo):
    amber_valley = Project.objects.get(slug="derbyshire-cctv-amber-valley")
    board = build_project(user=user("board"), project=amber_valley, basis=Basis.APPROVED)
    everything = build_project(user=user("director"), project=amber_valley, basis=Basis.ALL)
    caa = next(item for item in board.targets if item.number == "4")
    assert caa.region is not None
    assert caa.sub_region is not None  # Derbyshire's own rating beside the region's
    assert {item.code for item in everything.targets} == {item.code for item in board.targets}
    # A programme manager of another sub-region sees only their own sub-region's figures,
    # said so; never Derbyshire's.
    lincolnshire = build_project(
        user=user("pm-lincolnshire"), project=amber_valley, basis=Basis.ALL
    )
    assert all(item.sub_region is None for item in lincolnshire.targets)
    assert "Lincolnshire only" in lincolnshire.scope_note


@pytest.mark.parametrize("more", [0, 20])
@pytest.mark.parametrize("page", ["list", "detail"])
def test_the_project_pages_take_a_constant_number_of_queries(
    client, demo, django_assert_num_queries, page, more
):
    targets = list(Target.objects.filter(target_set__slug="stretch-targets"))
    efficiency = Project.objects.get(slug="efficiency-challenge-programme")
    for number in range(more):
        extra = Project.objects.create(
            slug=f"extra-{number}",
            title=f"Extra {number}",
            kind="revenue",
            status="submitted",
            source="test",
        )
        for target in targets:
            extra.target_links.create(target=target, words="w", source="test")
        efficiency.target_links.get_or_create(
            target=targets[number % len(targets)], defaults={"words": "w", "source": "test"}
        )
    client.force_login(user("board"))
    url = (
        reverse("projects:list")
        if page == "list"
        else reverse("projects:detail", args=["efficiency-challenge-programme"])
    )
    # list: session, user, permissions (1), the user's region, the projects, their targets,
    # the roles;
    # detail: session, user, permissions (1), the project, its targets, its authorities, then
    # for the one target set they are in: its quarters, the visible sub-regions, their
    # regions, returns and overall rows; and the roles.
    with django_assert_num_queries(8 if page == "list" else 12):
        assert client.get(url).status_code == 200


def test_a_targets_page_lists_the_projects_that_serve_it(client, demo):
    client.force_login(user("board"))
    html = client.get(reverse("reports:target", args=["st-annual-efficiency-target"])).content
    html = html.decode()
    section = html.split('id="projects-title"')[1].split("</section>")[0]
    for title in ("CCTV Central Network", "CCTV in Amber Valley", "Three large format"):
        assert title in section
    assert reverse("projects:detail", args=["derbyshire-cctv-amber-valley"]) in section
    assert "Warm Homes" not in section  # it serves the LAA target, not this one


def test_a_target_no_project_serves_says_so(client, demo):
    client.force_login(user("board"))
    html = client.get(reverse("reports:target", args=["st-invoices-paid-30-days"])).content
    assert "No project in the papers names this target." in html.decode()
    assert projects_serving(Target.objects.get(code="st-invoices-paid-30-days")) == []


def test_a_project_is_approved_only_with_its_decision(demo):
    from django.core.exceptions import ValidationError

    project = Project(
        slug="y", title="Y", kind="capital", status=ProjectStatus.APPROVED, source="t"
    )
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "decision" in error.value.message_dict
    project.status = ProjectStatus.SUBMITTED
    project.amount_approved = Decimal(5)
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "amount_approved" in error.value.message_dict


def test_roles_read_projects_and_administrators_keep_them(demo):
    for role, can_change in (
        (BOARD_MEMBER, False),
        (DIRECTOR, False),
        (PROGRAMME_MANAGER, False),
        (ADMINISTRATOR, True),
    ):
        member = make_user(role)
        assert member.has_perm("targets.view_project")
        assert member.has_perm("targets.change_project") is can_change
