"""How names written in the sub-regions' returns are compared with the names we hold."""

import re

_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Fold a name for lookup: case, '&' vs 'and', punctuation and spacing do not matter.

    "Hinckley & Bosworth", "hinckley and  bosworth" and "Hinckley and Bosworth." are one name.
    """
    folded = name.casefold().replace("&", " and ")
    folded = _PUNCTUATION.sub(" ", folded)
    return _SPACES.sub(" ", folded).strip()


def partnership_name(region: str) -> str:
    """A region's partnership as its papers name it: "East Midlands Improvement and Efficiency
    Partnership" (seed 002's headings)."""
    return f"{region} Improvement and Efficiency Partnership"
