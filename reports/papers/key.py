"""The key to the ratings, as the paper prints it: what Red, Amber, Green and Grey mean, the
tolerance, how Amber is decided, and how a target's overall rating is made.

The words follow the rating engine (targets.rating), which is the one rule for everyone; the
key is part of the snapshot, so an issued paper keeps the key it was issued with.
"""

from __future__ import annotations

from targets.rating import (
    DEFAULT_LEVEL_AMBER_MARGIN,
    DEFAULT_NUMBER_AMBER_MARGIN,
    DEFAULT_SHARE_AMBER_MARGIN,
    DEFAULT_TOLERANCE,
)

__all__ = ["RATING_LETTERS", "STATUS_SYMBOLS", "build_key"]


def _n(value) -> str:
    return f"{value.normalize():f}"


#: The letter printed in each cell: colour is never the only carrier of a rating.
RATING_LETTERS = {"R": "R", "A": "A", "G": "G", "GREY": "Grey", "NA": "n/a"}
RATING_LABELS = {
    "R": "Red",
    "A": "Amber",
    "G": "Green",
    "GREY": "Grey",
    "NA": "Not applicable",
}
#: The Lincolnshire return's symbols (seed 002, item 8): where a value stands against its target.
STATUS_SYMBOLS = {"worse": "▲", "within": "●", "better": "★"}
STATUS_LABELS = {
    "worse": "worse than the tolerance",
    "within": "within the tolerance",
    "better": "better than the tolerance",
}

_DEFAULT_NUMBER = {
    "tolerance": f"{_n(DEFAULT_TOLERANCE)}% relative",
    "amber_margin": f"{_n(DEFAULT_NUMBER_AMBER_MARGIN)}% of the target",
}
_DEFAULT_LEVEL = {"amber_margin": f"{_n(DEFAULT_LEVEL_AMBER_MARGIN)} level"}

_OVERALL = {
    "all_meet": (
        "Every relevant authority must meet the target: the overall rating is the worst rating "
        "known (Red before Amber before Green). Authorities awaiting data do not pull it down; "
        "they are counted in the explanation. Nothing known: Grey."
    ),
    "share_meet": (
        "A share of the relevant authorities must be Green: Green when the share reaches the "
        f"required share, Amber when it is short by no more than "
        f"{_n(DEFAULT_SHARE_AMBER_MARGIN)} percentage points, Red otherwise. Authorities "
        "without a rating count as not meeting the target."
    ),
    "aggregate": (
        "The total of the authorities' values must reach an amount: the total is rated like a "
        "single value against that amount, with the same tolerance and amber margin."
    ),
    "improvement": (
        "The measure must improve between two periods: the mean of the authorities' values is "
        "compared with the earlier mean; better by more than the tolerance Green, within it "
        "Amber, worse Red."
    ),
    "ratio_baseline": (
        "A ratio must fall below its baseline: below it by more than the tolerance Green, "
        "level with it (within the tolerance) Amber, above it Red."
    ),
    "comparison": (
        "Comparisons with other regions or a national quartile cannot be rated from the "
        "region's returns alone: shown as not rated."
    ),
    "undecided": "Where the paper that set the target leaves its rule open: not rated.",
}


def build_key(targets: list[dict]) -> dict:
    """The key for a paper about these targets (the snapshot's target entries)."""
    rules_in_use = []
    exceptions = []
    for target in targets:
        params = target["parameters"]
        if params.get("rule") not in rules_in_use:
            rules_in_use.append(params.get("rule"))
        kind = params.get("measure_kind")
        if kind in {"ordinal", "milestone"}:
            differs = params.get("amber_margin") != _DEFAULT_LEVEL["amber_margin"]
        elif kind == "yes_no":
            differs = False
        else:
            differs = any(
                name in params and params[name] != default
                for name, default in _DEFAULT_NUMBER.items()
            )
        if differs:
            exceptions.append(
                {
                    "number": target["number"],
                    "title": target["title"],
                    "tolerance": params.get("tolerance", ""),
                    "amber_margin": params.get("amber_margin", ""),
                }
            )
    tolerance = _n(DEFAULT_TOLERANCE)
    return {
        "ratings": [
            {
                "code": "G",
                "letter": "G",
                "label": "Green",
                "meaning": "On target: the value meets the target, or is within the tolerance "
                "of it, or better.",
            },
            {
                "code": "A",
                "letter": "A",
                "label": "Amber",
                "meaning": "Short of the target by more than the tolerance, but within the "
                "amber margin (see below).",
            },
            {
                "code": "R",
                "letter": "R",
                "label": "Red",
                "meaning": "Short of the target by more than the amber margin; for a yes/no "
                "target, no.",
            },
            {
                "code": "GREY",
                "letter": "Grey",
                "label": "Grey",
                "meaning": "Awaiting data: no value returned yet, or no return for the authority.",
            },
            {
                "code": "NA",
                "letter": "n/a",
                "label": "Not applicable",
                "meaning": "The target does not apply to the authority.",
            },
        ],
        "marks": [
            {
                "mark": "*",
                "meaning": "Rated by hand by the sub-region, differing from the rating the "
                "rules compute; listed with the reason in the appendix of manual ratings.",
            },
            {"mark": "–", "meaning": "No line: the target is not about this authority."},
            {
                "mark": "not rated",
                "meaning": "The returns alone cannot rate the target (see its explanation).",
            },
        ],
        "statuses": [
            {"symbol": STATUS_SYMBOLS[name], "label": STATUS_LABELS[name]}
            for name in ("worse", "within", "better")
        ],
        "tolerance": (
            f"Tolerance: ±{tolerance}% of the target (relative), unless a target says "
            f"otherwise. A value within {tolerance}% of its target, on either side, is within "
            "the tolerance and rated Green (the Lincolnshire return's rule, seed 002: "
            f"\u201cTolerance is +/-{tolerance}% variance\u201d)."
        ),
        "amber": [
            f"Numbers (percentages, £k, days, counts): Amber when short of the target by more "
            f"than the tolerance but by no more than {_n(DEFAULT_NUMBER_AMBER_MARGIN)}% of the "
            "target (the amber margin); further short, Red.",
            f"Levels (CAA, use of resources, star ratings): Green at the target level or "
            f"better; Amber {_n(DEFAULT_LEVEL_AMBER_MARGIN)} level below it; further below, "
            "Red. No tolerance applies to levels.",
            "Yes/no: yes is Green, no is Red; there is no Amber.",
            "Where lower is better (days, NEET), short of the target means above it.",
        ],
        "overall": [
            {"rule": rule, "text": _OVERALL[rule]} for rule in rules_in_use if rule in _OVERALL
        ],
        "exceptions": exceptions,
    }
