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
from targets.vocabulary import MARKS, RATINGS

__all__ = ["RATING_LETTERS", "STATUS_SYMBOLS", "build_key"]


def _n(value) -> str:
    return f"{value.normalize():f}"


#: The letter printed in each cell (targets.vocabulary): colour is never the only carrier.
RATING_LETTERS = {code: term.letter for code, term in RATINGS.items() if code != "none"}
RATING_LABELS = {code: term.label for code, term in RATINGS.items() if code != "none"}
#: The Lincolnshire return's symbols (seed 002, item 8): where a value stands against its target.
STATUS_SYMBOLS = {name: symbol for name, (symbol, _) in MARKS.items()}
STATUS_LABELS = {name: words for name, (_, words) in MARKS.items()}

_DEFAULT_NUMBER = {
    "tolerance": f"{_n(DEFAULT_TOLERANCE)}% relative (marks only)",
    "amber_margin": f"{_n(DEFAULT_NUMBER_AMBER_MARGIN)}% of the target (set by the partnership)",
}
_DEFAULT_LEVEL = {
    "amber_margin": f"{_n(DEFAULT_LEVEL_AMBER_MARGIN)} level (set by the partnership)"
}

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
        "single value against that amount, with the same amber margin."
    ),
    "improvement": (
        "The measure must improve between two periods: the mean of the authorities' values is "
        "compared with the earlier mean; any improvement Green, no change or worse by no more "
        "than the amber margin Amber, worse beyond it Red."
    ),
    "ratio_baseline": (
        "A ratio must fall below its baseline: below it Green, level with it or above it by no "
        "more than the amber margin Amber, above it beyond that Red."
    ),
    "comparison": (
        "Comparisons with other regions or a national quartile cannot be rated from the "
        "region's returns alone: shown as not rated."
    ),
    "undecided": "Where the paper that set the target leaves its rule open: not rated.",
    "trajectory": (
        "An improvement plan's commitment (seed 004's key) is rated by its council's line: "
        "Achieved when the final target is met; otherwise Green on the year's trajectory or "
        "better, Amber behind it by no more than the amber margin, Red further behind; without "
        "a figure, the council's own rating of its progress stands. Not yet due is not missing "
        "data: it is never Grey."
    ),
}

#: The key's rows for seed 004's own states, printed where an improvement plan is in the paper.
_PLAN_RATINGS = (
    ("ACH", "Completed on time or ahead of schedule: the final target is met (seed 004's key)."),
    (
        "NYD",
        "The data comes in a later quarter (“Data will be available in Qrt 2”): not "
        "missing, never counted as awaiting data.",
    ),
)


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
    plan = "trajectory" in rules_in_use
    return {
        "plan": plan,
        "rule": (
            "One rule for every target: Green when the value meets the target as worded (its "
            "direction, and whether the threshold itself passes: \u201cat least 95%\u201d passes "
            "at 95, \u201cbelow 20 days\u201d fails at 20); Amber when it falls short by no more "
            "than the target's amber margin; Red beyond it. A shortfall is never Green."
        ),
        "ratings": [
            {"code": code, "letter": term.letter, "label": term.label, "meaning": meaning}
            for code, term, meaning in (
                ("G", RATINGS["G"], "Meets the target as worded."),
                (
                    "A",
                    RATINGS["A"],
                    "Short of the target by no more than its amber margin (set by the "
                    "partnership: no paper defines one).",
                ),
                (
                    "R",
                    RATINGS["R"],
                    "Short of the target by more than its amber margin; for a yes/no target, "
                    "no; a target stated not met with no figure given.",
                ),
                (
                    "GREY",
                    RATINGS["GREY"],
                    "Awaiting data: no value returned yet, or no return for the authority.",
                ),
                (
                    "NA",
                    RATINGS["NA"],
                    "Marked not applicable by the sub-region, with its reason.",
                ),
            )
        ]
        + [
            {
                "code": code,
                "letter": RATINGS[code].letter,
                "label": RATINGS[code].label,
                "meaning": meaning,
            }
            for code, meaning in (_PLAN_RATINGS if plan else ())
        ],
        "marks": [
            {
                "mark": "*",
                "meaning": "The sub-region's own rating of the line differs from the rule's: "
                "both are kept; the rule's is shown and counts. Listed, with the reason, in the "
                "appendix of differences.",
            },
            {
                "mark": "✎",
                "meaning": "No value was given: the sub-region's own rating, given by hand, "
                "is shown and counts.",
            },
            {
                "mark": "⊘",
                "meaning": "Reported for an authority outside the target's scope: shown, "
                "never counted.",
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
            "otherwise (the Lincolnshire return's, seed 002: \u201cTolerance is "
            f"+/-{tolerance}% variance\u201d). It only decides the mark printed beside a value "
            "(worse than, within or better than the tolerance); it never makes a shortfall "
            "Green."
        ),
        "amber": [
            f"Numbers (percentages, £k, days, counts): Amber when short of the target by no "
            f"more than {_n(DEFAULT_NUMBER_AMBER_MARGIN)}% of the target (the amber margin, set "
            "by the partnership); further short, Red.",
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
