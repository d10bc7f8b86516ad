"""The rule of a target in plain English, and where a target applies: pure, no database."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from targets.rules import (
    describe_rule,
    describe_scope,
    format_value,
    target_applies,
    target_covers,
)

CAA = {1: "performing poorly", 2: "performing adequately", 3: "performing well", 4: "excellent"}


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (Decimal("95.00"), "percentage", "95%"),
        (Decimal("92.79"), "percentage", "92.79%"),
        (Decimal("41661"), "money", "£41,661k"),
        (Decimal("300000.00"), "money", "£300,000k"),
        (Decimal("20"), "days", "20 days"),
        (Decimal("3"), "ordinal", "level 3 (performing well)"),
        (Decimal("1"), "yes_no", "yes"),
        (Decimal("0"), "yes_no", "no"),
        (None, "percentage", "—"),
    ],
)
def test_format_value(value, kind, expected):
    assert format_value(value, measure_kind=kind, levels=CAA) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"rule": "all_meet", "measure_kind": "ordinal", "threshold": Decimal(3), "levels": CAA},
            "Met when all authorities are at least level 3 (performing well).",
        ),
        (
            {
                "rule": "all_meet",
                "measure_kind": "days",
                "direction": "lower",
                "threshold": Decimal(20),
                "applies_to": ["district", "unitary"],
            },
            "Met when all relevant authorities (unitary councils and district councils) "
            "are at most 20 days.",
        ),
        (
            {
                "rule": "all_meet",
                "measure_kind": "days",
                "direction": "lower",
                "threshold": Decimal(20),
                "strict": True,
                "applies_to": ["district", "unitary"],
            },
            "Met when all relevant authorities (unitary councils and district councils) "
            "are below 20 days.",
        ),
        (
            {
                "rule": "share_meet",
                "measure_kind": "ordinal",
                "threshold": Decimal(3),
                "required_share": Decimal(75),
                "levels": CAA,
                "also": ["No authority will receive the lowest rating."],
            },
            "Met when at least 75% of authorities are at least level 3 (performing well). "
            "And: \u2018No authority will receive the lowest rating.\u2019",
        ),
        (
            {"rule": "share_meet", "measure_kind": "yes_no", "required_share": Decimal(60)},
            "Met when at least 60% of authorities achieve it.",
        ),
        (
            {"rule": "aggregate", "measure_kind": "money", "aggregate_amount": Decimal(300000)},
            "Met when the total across authorities reaches £300,000k.",
        ),
        (
            {"rule": "undecided", "measure_kind": "percentage", "notes": "The % is left open."},
            "Undecided: the paper leaves the rule open. The % is left open.",
        ),
        (
            {"rule": "all_meet", "measure_kind": "percentage", "scope": "laa"},
            "Met when all Local Area Agreements (each reported by its lead council) "
            "are at least as good as their own target value.",
        ),
    ],
)
def test_describe_rule(kwargs, expected):
    arguments = {"scope": "authority", "applies_to": [], "direction": "higher", **kwargs}
    assert describe_rule(**arguments) == expected


def test_describe_scope_of_every_kind_is_all_authorities():
    kinds = ["county", "unitary", "district", "national_park", "fire_rescue"]
    assert describe_scope(scope="authority", applies_to=kinds) == "authorities"


@pytest.mark.parametrize(
    ("scope", "applies_to", "kind", "leads_laa", "expected"),
    [
        ("authority", [], "district", False, True),
        ("authority", ["county", "unitary"], "district", False, False),
        ("authority", ["county", "unitary"], "county", True, True),
        ("laa", ["county", "unitary"], "county", True, True),
        ("laa", ["county", "unitary"], "county", False, False),
        ("laa", [], "district", False, False),
    ],
)
def test_target_applies(scope, applies_to, kind, leads_laa, expected):
    assert (
        target_applies(scope=scope, applies_to=applies_to, kind=kind, leads_laa=leads_laa)
        is expected
    )


@pytest.mark.parametrize(
    ("scope", "applies_to", "council_id", "kind", "leads_laa", "authority_id", "expected"),
    [
        ("authority", ["county", "unitary"], None, "county", False, 7, True),
        ("authority", ["county", "unitary"], None, "district", False, 7, False),
        ("laa", [], None, "county", False, 7, False),
        ("laa", [], None, "county", True, 7, True),
        # A council's own plan: that council alone, whatever the kinds named.
        ("authority", ["county"], 7, "district", False, 7, True),
        ("authority", [], 7, "district", False, 8, False),
    ],
)
def test_target_covers_reads_the_targets_own_fields(
    scope, applies_to, council_id, kind, leads_laa, authority_id, expected
):
    target = SimpleNamespace(scope=scope, applies_to=applies_to, council_id=council_id)
    covered = target_covers(target, kind=kind, leads_laa=leads_laa, authority_id=authority_id)
    assert covered is expected
    assert covered is target_applies(
        scope=scope,
        applies_to=applies_to,
        kind=kind,
        leads_laa=leads_laa,
        council_id=council_id,
        authority_id=authority_id,
    )
