"""Import quarterly returns from a CSV or XLSX file: parse → validate → apply.

The file has one row per return line, with the columns of ``COLUMNS`` (header on row 1, in any
order, names case- and space-insensitive; extra columns such as the export's computed ones are
ignored). Business rules:

* Each row goes to its own return: the sub-region × target set × quarter it names. A file may
  span several sub-regions and quarters. A return that does not exist yet is created as a draft
  (``services.open_return``); rows for a submitted or approved return are refused.
* A programme manager may import only rows of their own sub-region
  (``permissions.can_edit_sub_region``); the system actor (commands without --user) any.
* The whole file is checked before anything is written. One bad row and nothing changes; every
  bad row is reported by row number as a spreadsheet user counts (header = row 1), column and
  problem: ``row 7, actual: “104%” is over 100% for a percentage.``
* Values are typed by the target's measure (see ``parse_value``: text is read by
  ``returns.values``, the parser the entry pages use, so a file accepts what the grid accepts)
  and made canonical (4 decimal places, as the database keeps them), so importing the same
  file twice changes nothing.
* A row's state: a value given → "value"; no value and rag n/a → "not applicable"; no value and
  no rag → the line keeps a "no return" or "not applicable" state it already has (the file has
  no column to say otherwise, and re-importing an export must change nothing); otherwise
  "awaiting data". A row may carry only a manual rating and no value.
* A blank ``target_value`` keeps the line's target value (a new line's is the target's
  threshold). Any other blank cell means "no value" (no date, no rating, no comment). An
  optional column that is missing altogether leaves that field of every line as it is.
* Writes go through ``services.update_lines`` (validated, re-rated, recorded in each line's
  history with the actor and the channel "import: <file name>"), all in one transaction; only
  the rows that change a line are sent. A dry run reports what would change (returns created,
  lines changed and unchanged), deciding it in memory as ``update_lines`` would, and writes
  nothing.

Everything the validation needs is fetched once (sub-regions, authorities and aliases through
``authorities.resolve.AuthorityResolver``, target sets, targets with their measures and levels,
the touched returns and their lines), so 10,000 rows cost a handful of queries.
"""

from .applying import import_file
from .cells import ValueProblem, parse_date, parse_rating, parse_value
from .reading import (
    COLUMNS,
    FORMULA_STARTS,
    MAX_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    ImportFileError,
    SourceRow,
    Table,
    normalise_header,
    read_table,
    unescape_text,
)
from .report import ImportReport, ReturnOutcome, RowError
from .validation import ValidatedRow, validate_table

__all__ = [
    "COLUMNS",
    "FORMULA_STARTS",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ImportFileError",
    "ImportReport",
    "ReturnOutcome",
    "RowError",
    "SourceRow",
    "Table",
    "ValidatedRow",
    "ValueProblem",
    "import_file",
    "normalise_header",
    "parse_date",
    "parse_rating",
    "parse_value",
    "read_table",
    "unescape_text",
    "validate_table",
]
