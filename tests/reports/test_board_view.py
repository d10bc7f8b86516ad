"""What the Board sees (issue 10): approved returns by default and a switch to every return,
marked; the default quarter; the overview's opening message, chart and changes; thin ratings
marked in their cells; every link keeping the reader's choices.

The world is ``make_world`` (tests/reports/test_dashboards.py): North's 2009/10 Q3 return is
approved, South's is a draft; North's Q2 return is submitted.
"""

from __future__ import annotations

import html as html_module
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.dashboards import build_overview
from reports.filters import default_basis
from returns import services
from returns.periods import Quarter
from tests.factories import make_user
from tests.reports.test_dashboards import Q3, make_world


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def board(world):
    return make_user(BOARD_MEMBER)


def page(client, user, url, params=None) -> tuple:
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content.decode()[:500]
    return response, response.content.decode()


def links(html: str) -> list[tuple[str, dict[str, list[str]]]]:
    """Every link of the page's content to a dashboard page: (path, query). The site's own
    navigation ("Dashboards" in the header) starts afresh; the basis switch is tested apart."""
    main = html.split("<main", 1)[1].split("</main>")[0]
    main = re.sub(r'<nav class="basis-switch".*?</nav>', "", main, flags=re.S)
    found = []
    for href in re.findall(r'href="([^"]+)"', main):
        parts = urlsplit(html_module.unescape(href))
        if parts.path.startswith("/dashboards/"):
            found.append((parts.path, parse_qs(parts.query)))
    return found


# ----------------------------------------------------------------------- who sees what, by default


@pytest.mark.parametrize(
    ("role", "setting", "basis"),
    [
        (BOARD_MEMBER, False, "approved"),
        (BOARD_MEMBER, True, "all"),
        (DIRECTOR, False, "all"),
        (PROGRAMME_MANAGER, False, "all"),
    ],
)
def test_the_default_basis_by_role_and_deployment(world, settings, role, setting, basis):
    settings.BOARD_SEES_UNAPPROVED = setting
    kwargs = {"sub_region": world.north} if role == PROGRAMME_MANAGER else {}

    assert default_basis(make_user(role, **kwargs)) == basis


def test_a_deployment_may_show_the_board_every_return_by_default(client, world, board, settings):
    settings.BOARD_SEES_UNAPPROVED = True

    response, html = page(client, board, reverse("reports:overview"))

    assert response.context["selection"].basis == "all"
    assert 'aria-current="true"><span aria-hidden="true">● </span>Include submitted' in html
    assert "data-status--draft" in html  # South's draft, marked


def test_the_board_sees_approved_returns_with_the_switch_to_all(client, world, board):
    response, html = page(client, board, reverse("reports:overview"))

    assert response.context["selection"].basis == "approved"
    switch = html.split('<nav class="basis-switch"')[1].split("</nav>")[0]
    assert 'aria-current="true"><span aria-hidden="true">● </span>Approved returns only' in switch
    assert "data-status--" not in html.split("<table")[1].split("</table>")[0]
    # South's draft is not counted, and the page says so above the table.
    assert "South&#x27;s (draft) return is not counted until approved" in html


def test_including_unapproved_returns_marks_every_figure_they_touch(client, world, board):
    _, html = page(client, board, reverse("reports:overview"), {"basis": "all"})

    table = html.split('<table class="matrix matrix--overview">')[1].split("</table>")[0]
    # South's column: every rating marked "draft", with its words for screen readers.
    marked = re.findall(
        r'<span class="data-status data-status--draft">draft<span class="visually-hidden">: '
        r"rests on 1 draft return, not yet approved</span></span>",
        table,
    )
    assert len(marked) == 6  # South's 3 ratings and the region's 3 (it counts South's draft)
    assert "incl. draft" in table  # the region column's heading says so too
    assert "South&#x27;s (draft) return is counted though not yet approved, and marked" in html


def test_the_target_page_marks_each_line_of_a_draft_return(client, world, board):
    url = reverse("reports:target", args=["t1-invoices"])

    _, approved = page(client, board, url)
    _, everything = page(client, board, url, {"basis": "all"})

    table = approved.split('<table class="data-table line-table"')[1].split("</table>")[0]
    assert "data-status--draft" not in table
    rows = everything.split('<table class="data-table line-table"')[1].split("</tbody>")[0]
    south_rows = [row for row in rows.split("<tr") if "South " in row]
    assert len(south_rows) == 2
    assert all("data-status--draft" in row for row in south_rows)
    assert not any("data-status" in row for row in rows.split("<tr") if "North " in row)


def test_a_draft_sub_region_says_its_figures_wait_for_approval(client, world, board):
    _, html = page(client, board, reverse("reports:sub-region", args=["south"]))

    text = html_module.unescape(html)
    assert "South's return is draft: its figures are not shown until it is approved." in text
    _, html = page(client, board, reverse("reports:sub-region", args=["south"]), {"basis": "all"})
    assert "Every figure below comes from South's return (draft)" in html_module.unescape(html)
    assert "from a return not yet approved (draft)" in html  # the table's caption


# ------------------------------------------------------------------------------ default quarter


def test_the_default_quarter_is_the_latest_with_an_approved_return(client, world, board):
    # A programme manager starts 2009/10 Q4: a draft, newer than anything approved.
    services.open_return(
        sub_region=world.north,
        target_set=world.target_set,
        quarter=Quarter(2009, 4),
        actor=services.system_actor(),
    )

    for role in (BOARD_MEMBER, DIRECTOR):
        response, _ = page(client, make_user(role), reverse("reports:overview"))
        assert response.context["selection"].quarter == Q3, role
        assert response.context["selection"].target_set == world.target_set


def test_a_newer_draft_of_another_set_does_not_move_the_default_set(client, world, board):
    services.open_return(
        sub_region=world.north,
        target_set=world.later_set,
        quarter=Quarter(2010, 1),
        actor=services.system_actor(),
    )

    response, _ = page(client, board, reverse("reports:overview"))

    assert response.context["selection"].target_set == world.target_set
    assert response.context["selection"].quarter == Q3


def test_with_nothing_approved_the_latest_return_of_any_status(client, world, board):
    response, _ = page(client, board, reverse("reports:overview"), {"target_set": "set-a"})
    assert response.context["selection"].quarter == Q3
    services.open_return(
        sub_region=world.south,
        target_set=world.later_set,
        quarter=Quarter(2010, 1),
        actor=services.system_actor(),
    )

    response, _ = page(client, board, reverse("reports:overview"), {"target_set": "set-later"})

    assert response.context["selection"].quarter == Quarter(2010, 1)


# ------------------------------------------------------------------------ the opening message


def test_the_message_on_approved_returns(world, board):
    overview = build_overview(user=board, target_set=world.target_set, quarter=Q3, basis="approved")
    message = overview.message

    assert message.red == []
    # North's Q2 return is submitted, not approved: nothing to compare with on this basis.
    assert (message.previous, message.previous_has_returns) == (Quarter(2009, 2), True)
    assert not message.previous_counted
    assert message.judged == []
    assert message.data.rests_on == "rests on 1 of 2 approved returns"
    assert (message.values, message.lines) == (3, 12)


def test_the_message_on_every_return(world, board):
    overview = build_overview(user=board, target_set=world.target_set, quarter=Q3, basis="all")
    message = overview.message

    assert [target.number for target in message.red] == ["1"]
    moves = [
        (change.target.number, change.where, change.before.code, change.after.code)
        for change in message.changes
        if change.movement.code != "same"
    ]
    # T2: the county's level 3 (Green) in Q2, level 2 (Amber) in Q3; T1 North: N2's 80%
    # (Red) in Q2, N1's 90% (Amber) the worst known in Q3.
    assert moves == [
        ("2", "the region", "G", "A"),
        ("2", "North", "G", "A"),
        ("1", "North", "R", "A"),
    ]
    assert [change.target.number for change in message.worse] == ["2"]
    assert message.better == []
    assert message.unchanged == 1  # T1 for the region: Red both times
    assert message.not_comparable == 1  # T3: not rated from the returns
    assert message.data.rests_on == "rests on 2 of 2 returns: 1 approved, 1 draft"
    assert (message.values, message.lines) == (6, 12)


def test_the_overview_opens_with_the_message_chart_and_changes(client, world, board):
    _, html = page(client, board, reverse("reports:overview"), {"basis": "all"})

    top = html.split('<div class="matrix-scroll"')[0]
    assert "2009/10 Q3 at a glance" in top
    assert re.search(r"<strong>Red:</strong> 1 target for the region: <a href=\"[^\"]+\">1<", top)
    assert "<strong>Since 2009/10 Q2:</strong> 1 worse (target 2), 0 better, 1 unchanged" in top
    assert "Rests on 2 of 2 returns: 1 approved, 1 draft; 6 of 12 lines have a value." in top
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in top
    assert "Targets by overall rating, 2009/10 Q3" in top
    changes = html.split('id="changes-title"')[1].split("</section>")[0]
    assert "Target 2, the region" in changes
    assert "▼ worse" in changes
    assert "▲ improved" in changes
    assert "(from Red to Amber)" in changes  # T1 North, in words


def test_a_region_rating_resting_on_few_authorities_says_so_in_its_cell(client, world, board):
    _, html = page(client, board, reverse("reports:overview"))

    region_cells = re.findall(r'<td class="matrix__cell matrix__region">(.*?)</td>', html, re.S)
    t1 = region_cells[2]  # rows read T3, T2, T1
    assert "rag--A" in t1
    assert '<span aria-hidden="true">◔ 2/5</span>' in t1
    assert "rests on only 2 of 5 relevant authorities" in t1
    assert "◔" not in region_cells[1]  # T2: NC alone of NC and SU... known 1 of 2: not fewer


# --------------------------------------------------------------------- links keep the choices


def test_every_link_and_drill_down_keeps_the_readers_choices(client, world, board):
    chosen = {
        "target_set": "set-a",
        "period": "2009/10 Q3",
        "basis": "all",
        "theme": str(world.efficiency.pk),
    }
    pages = {
        "overview": reverse("reports:overview"),
        "sub-region": reverse("reports:sub-region", args=["north"]),
        "authority": reverse("reports:authority", args=[world.nc.slug]),
        "target": reverse("reports:target", args=["t1-invoices"]),
        "compare": reverse("reports:compare"),
    }
    for name, url in pages.items():
        _, html = page(client, board, url, chosen)
        found = links(html)
        assert len(found) >= 3, name
        for path, query in found:
            if path == url and not query:
                continue  # "Clear filters"
            # A target of another set (the lineage) keeps the quarter and the basis; the set
            # and its theme would mean nothing there.
            other_set = path.startswith("/dashboards/targets/") and "t1-invoices" not in path
            keys = ("period", "basis") if other_set else ("target_set", "period", "basis", "theme")
            for key in keys:
                assert query.get(key) == [chosen[key]], (name, path, key, query)


def test_the_drill_down_reaches_each_page_with_the_quarter(client, world, board):
    """overview → sub-region → authority → target → comparison, and back, by the links."""
    client.force_login(board)
    start = {"period": "2009/10 Q2", "basis": "all"}
    html = client.get(reverse("reports:overview"), start).content.decode()

    def follow(html: str, path: str) -> str:
        href = next(f"{p}?{urlencode(q, doseq=True)}" for p, q in links(html) if p == path)
        response = client.get(href)
        assert response.status_code == 200
        assert response.context["selection"].quarter == Quarter(2009, 2), path
        assert response.context["selection"].basis == "all", path
        return response.content.decode()

    html = follow(html, reverse("reports:sub-region", args=["north"]))
    html = follow(html, reverse("reports:authority", args=[world.nc.slug]))
    html = follow(html, reverse("reports:target", args=["t1-invoices"]))
    html = follow(html, reverse("reports:overview"))  # back, by the breadcrumb
    html = follow(html, reverse("reports:compare"))
    follow(html, reverse("reports:overview"))


def test_the_switch_keeps_every_other_filter(client, world, board):
    _, html = page(
        client,
        board,
        reverse("reports:overview"),
        {"theme": str(world.efficiency.pk), "kind": "district", "period": "2009/10 Q3"},
    )

    switch = html.split('<nav class="basis-switch"')[1].split("</nav>")[0]
    queries = [
        parse_qs(urlsplit(html_module.unescape(h)).query)
        for h in re.findall(r'href="([^"]+)"', switch)
    ]
    assert [query["basis"] for query in queries] == [["approved"], ["all"]]
    for query in queries:
        assert query["theme"] == [str(world.efficiency.pk)]
        assert query["kind"] == ["district"]
        assert query["period"] == ["2009/10 Q3"]
        assert query["target_set"] == ["set-a"]
