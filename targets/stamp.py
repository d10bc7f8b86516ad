"""The reference data's stamp: a token the database changes whenever a target set changes.

Every page reads its set's targets (with their measures, themes and levels) and says the same
things of each (its rule in words, its scope), and reads the sub-regions its reader may see:
the same answer on every request until someone changes a target or a sub-region, which is
rare. ``ReferenceMemo`` keeps such answers in the process, each with
the token it was read under, and reads them again as soon as the token differs.

The token is changed by the database itself: triggers (migrations 0009 and 0010) on the tables
of target sets, themes, measures, levels and targets, regions and sub-regions give it a new
random value on every insert, update or delete, in the writing transaction. So nothing can
change a target behind the memo's back: not a service, the admin, ``QuerySet.update()``,
``bulk_create()``, a fixture or SQL by hand; a rolled-back change rolls the token back with
it; and every process (the web workers, the task worker) sees the new token once the change
is committed. The token is random rather than
a counter, so that two different states never share one (a test's rolled-back data could
otherwise come back under the number it had).

Reading the token is one query of one row, before the data it guards (or in the same
statement): data read after it is at least as new as the token, so an answer is never kept
under a token older than what it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection, models
from django.db.models.expressions import RawSQL

__all__ = [
    "STAMPED_TABLES",
    "STAMP_SQL",
    "ReferenceMemo",
    "ReferenceStamp",
    "clear_memos",
    "read_with_token",
    "reference_token",
]

#: The tables whose writes change the token (their triggers: migrations 0009 and 0010).
STAMPED_TABLES = (
    "targets_targetset",
    "targets_theme",
    "targets_measure",
    "targets_measurelevel",
    "targets_target",
    "authorities_region",
    "authorities_subregion",
)

T = TypeVar("T")


class ReferenceStamp(models.Model):
    """The one row holding the reference data's token (see the module's docstring)."""

    token = models.CharField(max_length=64)

    class Meta:
        verbose_name = "reference data stamp"

    def __str__(self) -> str:
        return self.token


#: The token as a query: also to read it in the same statement as the data it guards
#: (``read_with_token``), the one moment both are sure to agree.
STAMP_SQL = "SELECT token FROM targets_referencestamp WHERE id = 1"


def reference_token() -> str | None:
    """The current token; None when its row is missing (a database emptied by ``flush``):
    then nothing is remembered."""
    with connection.cursor() as cursor:
        cursor.execute(STAMP_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


def read_with_token(queryset) -> tuple[str | None, list]:
    """The rows of ``queryset``, each with the token read in the same statement (its
    ``reference_token``: what the rows show is that state's), and that token; None when there
    is no row to carry it or no stamp row. For ``ReferenceMemo.fetch``."""
    rows = list(
        queryset.annotate(reference_token=RawSQL(STAMP_SQL, []))  # noqa: S611 - a constant query
    )
    return (rows[0].reference_token if rows else None), rows


class ReferenceMemo:
    """Answers derived from the reference data alone, each kept with the token it was read
    under, and good while the token is unchanged. Kept per database (the tests and the
    benchmarks open more than one), and emptied when it holds ``limit`` answers."""

    def __init__(self, *, limit: int = 256) -> None:
        self.limit = limit
        self._kept: dict[tuple, tuple[str, object]] = {}
        _MEMOS.append(self)

    def get(self, key: Hashable, make: Callable[[], T], *, token: str | None = None) -> T:
        """What ``make()`` returned for ``key`` under the current token, made again when the
        token has changed since. ``token``: the token the caller read with the data ``make``
        derives from (then it is not read again)."""
        if token is None:
            token = reference_token()  # before the data: see the module's docstring
        if token is None:
            return make()
        kept = self.kept(key)
        if kept is not None and kept[0] == token:
            return kept[1]  # type: ignore[return-value]
        value = make()
        self.keep(key, token, value)
        return value

    def fetch(
        self, key: Hashable, read: Callable[[], tuple[str | None, T]]
    ) -> tuple[T, str | None]:
        """(answer, token) for ``key``, where ``read()`` reads the answer and the token in one
        statement, returning (token, answer): the first time, that one statement; later, the
        token alone while it is unchanged; when it has changed, the token then ``read()``."""
        kept = self.kept(key)
        if kept is not None:
            token = reference_token()
            if kept[0] == token:
                return kept[1], token  # type: ignore[return-value]
        token, value = read()
        self.keep(key, token, value)
        return value, token

    def kept(self, key: Hashable) -> tuple[str, object] | None:
        """(token, answer) kept for ``key``, or None."""
        return self._kept.get((connection.settings_dict["NAME"], key))

    def keep(self, key: Hashable, token: str | None, value: object) -> None:
        """Keep ``value`` for ``key``, read under ``token`` (None: not kept)."""
        if token is None:
            return
        if len(self._kept) >= self.limit:
            self._kept.clear()
        self._kept[(connection.settings_dict["NAME"], key)] = (token, value)

    def clear(self) -> None:
        self._kept.clear()


_MEMOS: list[ReferenceMemo] = []


def clear_memos() -> None:
    """Forget every kept answer (the tests start each from nothing, so that the queries they
    count are the same whatever ran before: a first reading, not a kept answer)."""
    for memo in _MEMOS:
        memo.clear()
