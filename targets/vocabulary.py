"""How ratings, marks and line states are lettered, labelled and coloured: one vocabulary.

Every page, paper, spreadsheet, CSV and API answer takes its words from here, so Grey is
worded one way everywhere and a rating is never shown by colour alone (a letter or symbol
always goes with it). Pure data: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One rating or state as it is shown."""

    code: str  # the stored code: "R", "A", "G", "ACH", "NYD", "GREY", "NA", "none"
    letter: str  # what a cell prints: "R", "Grey", "n/a", "–"
    label: str  # what a legend or a screen reader says: "Red"
    meaning: str  # one line for the key
    fill: str  # the cell's colour in a spreadsheet or a printed paper (hex, no #)
    ink: str  # the letter's colour on that fill (hex, no #)
    rank: int  # sort order, worst first

    @property
    def css(self) -> str:
        return f"rag rag--{self.code}"

    @property
    def is_rag(self) -> bool:
        """A rating of performance: R, A, G, or Achieved (seed 004's key goes beyond Green)."""
        return self.code in {"R", "A", "G", "ACH"}


RATINGS: dict[str, Term] = {
    term.code: term
    for term in (
        Term(
            "R",
            "R",
            "Red",
            "short of the target by more than its amber margin",
            "B3261E",
            "FFFFFF",
            0,
        ),
        Term(
            "A",
            "A",
            "Amber",
            "short of the target by no more than its amber margin",
            "F2A900",
            "000000",
            1,
        ),
        Term("G", "G", "Green", "meets the target as worded", "1E6B34", "FFFFFF", 2),
        # Seed 004's key: "Achieved – Completed on time or ahead of schedule".
        Term(
            "ACH",
            "Ach",
            "Achieved",
            "completed on time or ahead of schedule: the final target is met",
            "1D4F91",
            "FFFFFF",
            3,
        ),
        # Seed 004: "N/A – Data will be available in Qrt 2": not missing, so never Grey.
        Term(
            "NYD",
            "later",
            "Not yet due",
            "the data comes in a later quarter: nothing is missing yet",
            "F2F2F2",
            "333333",
            4,
        ),
        Term("GREY", "Grey", "Grey", "awaiting data: nothing to rate yet", "D5D7DA", "000000", 5),
        Term("NA", "n/a", "Not applicable", "the target does not apply", "FFFFFF", "333333", 6),
        Term(
            "none",
            "–",
            "Not rated",
            "the returns alone cannot rate this target (a comparison, or a rule left open)",
            "FFFFFF",
            "333333",
            7,
        ),
    )
}


def rating(code: str | None) -> Term:
    """The term of a stored rating code; "" or None (not computable) is "none"."""
    return RATINGS[str(code)] if code else RATINGS["none"]


#: The Lincolnshire return's marks (seed 002, item 8): where a value stands against its
#: target's tolerance. They never decide the rating.
MARKS = {
    "worse": ("▲", "worse than the tolerance"),
    "within": ("●", "within the tolerance"),
    "better": ("★", "better than the tolerance"),
}


def mark(status: str | None) -> tuple[str, str]:
    """(symbol, words) of a stored mark; ("", "") when there is none."""
    return MARKS.get(status or "", ("", ""))


#: A line's state, and the states only a reader sees (no return, a target that does not apply).
STATES = {
    "value": "value given",
    "met": "stated met, no figure",
    "not_met": "stated not met, no figure",
    "awaiting": "awaiting data",
    "not_applicable": "not applicable",
    "no_return": "no return",
    "no_line": "no line in the return",
    "does_not_apply": "does not apply",
    "outside": "reported, outside the target's scope",
    "progress": "progress rated by hand, no figure",
    "not_yet_due": "not yet due: data in a later quarter",
}

#: The terms only an improvement plan's pages and papers need in their key (seed 004).
PLAN_TERMS = ("ACH", "NYD")

#: What a stored overall rating rests on (issue: the Board sees signed-off data).
BASES = {
    "approved": "approved returns only",
    "all": "all returns, draft and submitted too",
}

OUTSIDE_SCOPE = "reported, outside the target's scope: shown, never counted"
OWN_RATING = "the sub-region's own rating"
DIFFERS = "differs from the rule's rating"
