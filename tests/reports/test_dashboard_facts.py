"""reports.dashboards.facts: the targets' facts, with their rule in words remembered by what it
depends on, and the set's targets read as the generic prefetch read them."""

from __future__ import annotations

from decimal import Decimal

from reports.dashboards.facts import target_infos
from returns.selectors import set_targets
from targets.models import Target, level_labels
from tests.factories import TargetFactory, ordinal_measure


def test_the_rule_in_words_follows_a_changed_rule(db):
    target = TargetFactory(threshold=Decimal("95"))
    before = target_infos(set_targets(target.target_set), target.target_set)[0]

    Target.objects.filter(pk=target.pk).update(threshold=Decimal("80"), amber_margin=Decimal("5"))
    after = target_infos(set_targets(target.target_set), target.target_set)[0]

    assert "95" in before.pass_mark
    assert "80" not in before.pass_mark
    assert "80" in after.pass_mark
    assert "95" not in after.pass_mark
    assert after.amber_margin != before.amber_margin
    assert after.rule_text != before.rule_text


def test_a_sets_targets_have_their_levels_theme_and_set_without_more_queries(
    db, django_assert_num_queries
):
    measure = ordinal_measure()
    target = TargetFactory(measure=measure, threshold=Decimal("3"))
    TargetFactory(target_set=target.target_set, theme=target.theme)  # a measure without levels
    prefetched = (
        Target.objects.filter(target_set=target.target_set)
        .select_related("measure", "theme", "target_set")
        .prefetch_related("measure__levels")
        .order_by("theme__order", "priority", "id")
    )
    expected = [(t.pk, level_labels(t.measure), t.theme.name) for t in prefetched]

    with django_assert_num_queries(2):
        targets = set_targets(target.target_set)
    with django_assert_num_queries(0):
        found = [(t.pk, level_labels(t.measure), t.theme.name) for t in targets]
        sets = {t.target_set for t in targets}

    assert found == expected
    assert found[0][1] == {
        1: "performing poorly",
        2: "performing adequately",
        3: "performing well",
        4: "excellent",
    }
    assert sets == {target.target_set}
    # Given the set's id, the set is read with the targets (still two queries).
    with django_assert_num_queries(2):
        by_id = set_targets(target.target_set_id)
    with django_assert_num_queries(0):
        assert {t.target_set.pk for t in by_id} == {target.target_set_id}
