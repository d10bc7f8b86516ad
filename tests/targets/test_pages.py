"""The target set page: themes, targets by priority, rules in words, lineage, placeholders."""

from decimal import Decimal

import pytest
from django.urls import reverse

from authorities.roles import BOARD_MEMBER
from targets.models import RuleKind
from tests.factories import TargetFactory, TargetSetFactory, ThemeFactory, make_user


@pytest.fixture
def board_client(client, db):
    client.force_login(make_user(BOARD_MEMBER))
    return client


def test_target_set_page_orders_themes_and_priorities(board_client):
    target_set = TargetSetFactory(slug="revision-2009", title="2009 revision")
    second = ThemeFactory(target_set=target_set, name="Efficiency", order=2)
    first = ThemeFactory(target_set=target_set, name="Capacity Building", order=1)
    TargetFactory(target_set=target_set, theme=second, number="9", priority=1, title="Savings")
    TargetFactory(target_set=target_set, theme=first, number="3", priority=2, title="Equalities")
    TargetFactory(target_set=target_set, theme=first, number="1", priority=1, title="Flags")

    html = board_client.get(reverse("targets:set-detail", args=["revision-2009"])).content.decode()

    order = ("Capacity Building</h2>", "Flags", "Equalities")
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert html.index("Equalities") < html.index("Efficiency</h2>") < html.index("Savings")


def test_target_set_page_shows_rule_placeholder_and_lineage_both_ways(board_client):
    earlier = TargetFactory(
        target_set__slug="strategy-2008", code="s08-equalities", title="Equalities level 3"
    )
    later = TargetFactory(
        target_set__slug="revision-2009",
        code="r09-equalities",
        title="Equalities achieving",
        threshold=Decimal("95"),
    )
    later.replaces.add(earlier)
    TargetFactory(
        target_set=later.target_set,
        theme=later.theme,
        code="r09-adult-care",
        title="Adult Social Care",
        is_placeholder=True,
        rule=RuleKind.UNDECIDED,
        rule_notes="To be considered again when the CAA criteria are published.",
        threshold=None,
    )

    later_page = board_client.get(reverse("targets:set-detail", args=["revision-2009"]))
    earlier_page = board_client.get(reverse("targets:set-detail", args=["strategy-2008"]))

    later_html = later_page.content.decode()
    assert "Met when all authorities are at least 95%." in later_html
    assert "inferred" in later_html  # no paper states the factory's link
    assert "set by the partnership" in later_html
    assert "not from the papers" in later_html
    assert "Priority in theme" not in later_html  # no paper ranks the targets
    assert "Replaces" in later_html
    assert "#target-s08-equalities" in later_html
    assert "Placeholder" in later_html
    assert "Undecided: the paper leaves the rule open." in later_html
    assert "Replaced by" in earlier_page.content.decode()
    assert "#target-r09-equalities" in earlier_page.content.decode()


def test_target_set_page_queries_do_not_grow_with_targets(
    board_client, django_assert_max_num_queries
):
    target_set = TargetSetFactory(slug="big")
    theme = ThemeFactory(target_set=target_set)
    for _ in range(3):
        TargetFactory(target_set=target_set, theme=theme)
    url = reverse("targets:set-detail", args=["big"])
    with django_assert_max_num_queries(20) as small:
        board_client.get(url)
    for _ in range(20):
        TargetFactory(target_set=target_set, theme=theme)
    with django_assert_max_num_queries(len(small.captured_queries)):
        board_client.get(url)


def test_target_set_list_counts(board_client):
    target_set = TargetSetFactory(title="12 stretch targets")
    TargetFactory.create_batch(3, target_set=target_set)

    html = board_client.get(reverse("targets:set-list")).content.decode()

    assert "12 stretch targets" in html
    assert "<td>3</td>" in html


def test_a_lineage_link_stated_by_a_paper_says_so_and_quotes_it(board_client):
    from targets.models import TargetLineage

    earlier = TargetFactory(target_set__slug="strategy-2008", code="s08-eq", title="Level 3")
    later = TargetFactory(target_set__slug="revision-2009", code="r09-eq", title="Achieving")
    TargetLineage.objects.create(
        later=later, earlier=earlier, stated=True, basis="001: 'equivalent to current level 3'"
    )
    html = board_client.get(reverse("targets:set-detail", args=["revision-2009"])).content.decode()
    assert "stated in the papers" in html
    assert "equivalent to current level 3" in html
    assert ">inferred<" not in html
