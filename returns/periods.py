"""UK financial-year quarters, written as the papers write them: "2009/10 Q3".

The financial year runs April to March: Q1 April-June, Q2 July-September, Q3 October-December,
Q4 January-March of the following calendar year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a financial year; `year` is the calendar year in which the year starts."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"A quarter is 1 to 4, not {self.quarter}.")
        if not 1990 <= self.year <= 2100:
            raise ValueError(f"{self.year} is not a plausible financial year.")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read "2009/10 Q3" (also "2009-10 Q3", "2009/2010 q3"); raise ValueError otherwise."""
        match = _PATTERN.match(text or "")
        if not match:
            raise ValueError(f'"{text}" is not a quarter; write it like "2009/10 Q3".')
        start, end, quarter = int(match[1]), match[2], int(match[3])
        end_year = int(end) if len(end) == 4 else (start + 1) % 100
        if (len(end) == 4 and end_year != start + 1) or (len(end) == 2 and int(end) != end_year):
            raise ValueError(f'"{text}": a financial year spans two consecutive years.')
        return cls(start, quarter)

    @classmethod
    def containing(cls, day: date) -> Quarter:
        """The quarter a date falls in: 9 December 2009 is in 2009/10 Q3."""
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    @property
    def index(self) -> int:
        """A sortable integer, consecutive across quarters (for comparisons and ranges)."""
        return self.year * 4 + self.quarter - 1

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        return cls(index // 4, index % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter.from_index(self.index - 1)

    def next(self) -> Quarter:
        return Quarter.from_index(self.index + 1)

    @property
    def start(self) -> date:
        month = 4 + (self.quarter - 1) * 3
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        first = self.start
        last_month = first.month + 2
        return date(first.year, last_month, calendar.monthrange(first.year, last_month)[1])

    @property
    def label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d} Q{self.quarter}"

    def __str__(self) -> str:
        return self.label
