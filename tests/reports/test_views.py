"""The dashboard pages: who may open them, what they show, bad input, and their query counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from tests.factories import make_user
from tests.reports.test_dashboards import make_world

ANONYMOUS, NO_ROLE = "anonymous", "no role"
PM_NORTH = "programme manager of North"
READERS = [BOARD_MEMBER, DIRECTOR, ADMINISTRATOR]
Q3 = "2009/10 Q3"


@pytest.fixture
def world(db):
    return make_world()


def pages(world) -> dict[str, str]:
    return {
        "overview": reverse("reports:overview"),
        "compare": reverse("reports:compare"),
        "own sub-region": reverse("reports:sub-region", args=["north"]),
        "other sub-region": reverse("reports:sub-region", args=["south"]),
        "target": reverse("reports:target", args=["t1-invoices"]),
        "own authority": reverse("reports:authority", args=[world.nc.slug]),
        "other authority": reverse("reports:authority", args=[world.su.slug]),
    }


def sign_in(client, who, world):
    if who == ANONYMOUS:
        return client
    if who == NO_ROLE:
        user = make_user(None)
    elif who == PM_NORTH:
        user = make_user(PROGRAMME_MANAGER, sub_region=world.north)
    else:
        user = make_user(who)
    client.force_login(user)
    return client


def expected_status(who, page) -> int:
    if who == ANONYMOUS:
        return 302
    if who == NO_ROLE:
        return 403
    if who == PM_NORTH and page.startswith("other"):
        return 404  # a programme manager's neighbours, as for returns
    return 200


PAGE_NAMES = [
    "overview",
    "compare",
    "own sub-region",
    "other sub-region",
    "target",
    "own authority",
    "other authority",
]


@pytest.mark.parametrize("who", [ANONYMOUS, NO_ROLE, PM_NORTH, *READERS])
@pytest.mark.parametrize("page_name", PAGE_NAMES)
def test_who_may_open_each_dashboard(client, world, who, page_name):
    url = pages(world)[page_name]

    response = sign_in(client, who, world).get(url)

    assert response.status_code == expected_status(who, page_name)
    if who == ANONYMOUS:
        assert response["Location"].startswith(f"/accounts/login/?next={url}")


def test_the_nav_links_to_the_dashboards(client, world):
    sign_in(client, BOARD_MEMBER, world)

    html = client.get(reverse("home")).content.decode()

    assert '<a href="/dashboards/">Dashboards</a>' in html


# ------------------------------------------------------------------------------ the pages


@pytest.fixture
def board_client(client, world):
    return sign_in(client, BOARD_MEMBER, world)


def test_overview_defaults_to_the_latest_quarter_and_shows_the_matrix(board_client, world):
    response = board_client.get(reverse("reports:overview"))
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["selection"].quarter.label == Q3
    assert response.context["selection"].target_set == world.target_set
    # The Board sees approved returns by default: North's (approved), not South's draft.
    assert response.context["selection"].basis == "approved"
    assert (
        "Of 3 targets, 2 amber and 1 not rated from the returns for the region in 2009/10 Q3."
        in html
    )
    assert '<caption id="overview-caption">' in html
    assert '<th scope="rowgroup"' in html
    assert '<th scope="row" class="matrix__target">' in html
    assert html.count('<th scope="col"') >= 7  # target, 2 sub-regions, region, R, A, G, Grey
    # Every rating carries its letter and its word (not colour alone).
    assert re.search(r'class="rag rag--A"[^>]*>A<span class="visually-hidden"> Amber, North', html)
    assert "Completeness of the returns" in html
    assert (
        'href="/dashboards/compare/?target_set=set-a&amp;period=2009%2F10+Q3&amp;against=2009%2F10+Q2'
        '&amp;basis=approved"' in html
    )


def test_overview_for_another_quarter_and_set(board_client, world):
    response = board_client.get(
        reverse("reports:overview"), {"target_set": "set-a", "period": "2009/10 Q2"}
    )

    assert response.status_code == 200
    assert response.context["overview"].quarter.label == "2009/10 Q2"
    assert "South" in response.content.decode()


def test_a_quarter_without_returns_is_shown_grey_with_a_notice(board_client, world):
    response = board_client.get(reverse("reports:overview"), {"period": "2011/12 Q1"})

    assert response.status_code == 200
    assert "No return of Set A has been made for 2011/12 Q1 yet" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2009/10 Q9"}, "is not a quarter; write it like"),
        ({"period": "Christmas"}, "is not a quarter"),
        ({"target_set": "nope"}, 'No target set "nope"'),
        ({"kind": "parish"}, 'No authority kind "parish"'),
        ({"rating": "Purple"}, 'No rating "Purple"'),
        ({"sub_region": "atlantis"}, 'No sub-region "atlantis"'),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(board_client, world, params, message):
    response = board_client.get(reverse("reports:overview"), params)

    assert response.status_code == 400
    assert message in response.content.decode().replace("&quot;", '"')


def test_a_theme_of_another_set_is_dropped_with_a_note(board_client, world):
    other_theme = world.t0.theme

    response = board_client.get(reverse("reports:overview"), {"theme": other_theme.pk})

    assert response.status_code == 200
    assert "The theme filter was cleared" in response.content.decode()
    assert len(response.context["overview"].rows) == 3


def test_filters_narrow_the_overview(board_client, world):
    response = board_client.get(
        reverse("reports:overview"), {"theme": world.efficiency.pk, "kind": "district"}
    )

    overview = response.context["overview"]
    assert [row.target.number for row in overview.rows] == ["1"]
    assert overview.rows[0].region.mark.code == "A"


def test_unknown_pages_are_404(board_client, world):
    assert board_client.get(reverse("reports:sub-region", args=["atlantis"])).status_code == 404
    assert board_client.get(reverse("reports:target", args=["no-such"])).status_code == 404
    assert board_client.get(reverse("reports:authority", args=["nowhere"])).status_code == 404


def test_sub_region_cells_are_disclosures_with_the_line(board_client, world):
    html = board_client.get(reverse("reports:sub-region", args=["north"])).content.decode()

    assert '<details class="lc__details"><summary>' in html
    assert "From the finance team." in html
    assert "9 Dec 2009" in html
    # The rule's Amber counts; the sub-region's own Red is kept beside it, marked "*".
    assert (
        "Amber, by the rule; the sub-region's own rating: Red (differs). Reason: " + HAND_ESCAPED
    ) in html
    assert "title=\"The sub-region's own rating differs from the rule's\">*</span>" in html
    assert "the sub-region's own rating differs, " in html
    assert 'class="lc lc--does_not_apply"' in html
    assert 'class="lc lc--awaiting"' in html
    assert f'href="/returns/{world.north_q3.pk}/lines/' in html


HAND_ESCAPED = "Rated Red by the sub-region: the inspection report is due."


def test_target_page_has_its_rule_charts_lineage_and_a_sortable_table(board_client, world):
    url = reverse("reports:target", args=["t1-invoices"])
    html = board_client.get(url).content.decode()

    assert "Met when all authorities are at least 95%." in html
    assert html.count('role="img"') == 2
    assert '<title id="distribution-title">' in html
    assert "Old set, target 4: Old invoices" in html
    assert "Later set, target 10: Newer" in html
    assert (
        "Every authority&#x27;s value against its target" in html
        or "Every authority's value" in html
    )
    assert 'aria-sort="ascending"' in html
    # Every return, South's draft too (the Board's default is approved returns only).
    sorted_html = board_client.get(url, {"sort": "rating", "basis": "all"}).content.decode()
    first = sorted_html.index("South Unitary Council")
    assert first < sorted_html.index("North One District Council")  # Red before Amber


def test_target_page_keeps_the_targets_own_set_whatever_the_query(board_client, world):
    response = board_client.get(
        reverse("reports:target", args=["t1-invoices"]), {"period": "2009/10 Q2"}
    )

    assert response.status_code == 200
    assert response.context["view"].quarter.label == "2009/10 Q2"
    assert response.context["view"].target.target_set.slug == "set-a"


def test_authority_page_lists_quarters(board_client, world):
    html = board_client.get(reverse("reports:authority", args=[world.nc.slug])).content.decode()

    assert "2009/10 Q2" in html
    assert "2009/10 Q3" in html
    assert "North County Council" in html


def test_compare_page_shows_movement_with_symbol_and_word(board_client, world):
    html = board_client.get(
        reverse("reports:compare"), {"period": Q3, "against": "2009/10 Q2", "basis": "all"}
    ).content.decode()

    assert "▲ improved" in html
    assert "▼ worse" in html
    assert "from Red to Amber" in html


def test_compare_refuses_the_same_quarter_twice(board_client, world):
    response = board_client.get(reverse("reports:compare"), {"period": Q3, "against": Q3})

    assert response.status_code == 400
    assert "Choose two different quarters" in response.content.decode()


def test_pages_have_no_inline_style_or_script(board_client, world):
    for url in pages(world).values():
        html = board_client.get(url).content.decode()
        assert " style=" not in html
        assert "<style" not in html
        # Only the dashboards' own static script (it folds the filters on a phone).
        assert re.findall(r"<script[^>]*>", html) == [
            '<script src="/static/js/dashboards.js" defer>'
        ]


# --------------------------------------------------------------------------- query counts

#: Queries per page, whatever the amount of data: session, user, the user's permissions (1:
#: authorities.backends),
#: the user's region and sub-region (1, issue 13: authorities.roles), the filters' options
#: (target sets, quarters, themes, sub-regions: the visible sub-regions read with their
#: regions, once a request, for the filters and the builder alike), the page's builder, and
#: the user's roles for the navigation bar (1, twice where tables2 renders). The target page
#: also reads the projects that serve the target (1).
QUERIES = {
    "overview": 13,
    "compare": 13,
    "own sub-region": 16,
    "target": 21,
    "own authority": 15,
}


@pytest.mark.parametrize("page_name", list(QUERIES))
@pytest.mark.parametrize("size", ["small", "large"])
def test_a_constant_number_of_queries_per_page(
    client, db, django_assert_num_queries, page_name, size
):
    # Large: 40 more authorities and 8 more quarters of returns than small.
    world = make_world(
        extra_districts=40 if size == "large" else 0, extra_quarters=8 if size == "large" else 0
    )
    client.force_login(make_user(BOARD_MEMBER))
    url = pages(world)[page_name]

    with django_assert_num_queries(QUERIES[page_name]):
        response = client.get(url)

    assert response.status_code == 200


def test_one_more_for_a_programme_manager(client, db, django_assert_max_num_queries):
    """The programme manager's sub-region is read once more at most (their membership's; the
    binding itself is read in the same one query as the Board's region, issue 13)."""
    world = make_world()
    client.force_login(make_user(PROGRAMME_MANAGER, sub_region=world.north))

    for page_name, count in QUERIES.items():
        # On the Board's basis (approved returns only), so that only the membership differs.
        with django_assert_max_num_queries(count + 1):
            url = pages(world)[page_name] + "?basis=approved"
            assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("?basis=all", QUERIES["overview"]),
        # A kind of authority: the quarter's and the previous quarter's lines of that kind are
        # aggregated (lines and authorities, twice each).
        ("?basis=all&kind=district&rating=A", QUERIES["overview"] + 4),
    ],
)
@pytest.mark.parametrize("size", ["small", "large"])
def test_the_overview_on_every_return_and_by_kind_is_bounded_too(
    client, db, django_assert_num_queries, query, count, size
):
    world = make_world(
        extra_districts=40 if size == "large" else 0, extra_quarters=8 if size == "large" else 0
    )
    client.force_login(make_user(BOARD_MEMBER))

    with django_assert_num_queries(count):
        response = client.get(pages(world)["overview"] + query)

    assert response.status_code == 200
