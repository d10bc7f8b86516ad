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

    # The targets (with the reference data's token) and their levels.
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
    # Asked again, unchanged: the token only, and the same targets with their set (given its
    # id, the set read with them).
    with django_assert_num_queries(1):
        by_id = set_targets(target.target_set_id)
    with django_assert_num_queries(0):
        assert [(t.pk, level_labels(t.measure), t.theme.name) for t in by_id] == expected
        assert {t.target_set.pk for t in by_id} == {target.target_set_id}


def test_each_caller_gets_its_own_copies_of_the_kept_targets(db):
    target = TargetFactory()
    first = set_targets(target.target_set)
    first[0].title = "Changed on one page only"

    again = set_targets(target.target_set)

    assert again[0].title == target.title
    assert again[0] is not first[0]


def test_a_change_to_a_measure_or_its_levels_is_read_at_once(db):
    measure = ordinal_measure()
    target = TargetFactory(measure=measure, threshold=Decimal("3"))
    before = target_infos(set_targets(target.target_set), target.target_set)[0]

    measure.levels.filter(value=4).update(label="outstanding")  # no signal: the trigger sees it
    after = target_infos(set_targets(target.target_set), target.target_set)[0]

    assert dict(before.levels)[4] == "excellent"
    assert dict(after.levels)[4] == "outstanding"
    assert level_labels(set_targets(target.target_set)[0].measure)[4] == "outstanding"
