"""Query parameters read strictly, from the same declarations the OpenAPI document shows.

Each API view lists its query parameters once (``Param``); the list gives the document its
parameters (``openapi_parameters``) and checks a request against them (``read_query``) before
the view runs, so that what the document calls valid is what the API accepts, and the rest is
a 400 ``{"detail": ..., "errors": {parameter: [messages]}}``:

* a slug (``^[-a-zA-Z0-9_]+$``), a quarter written "2009/10 Q3" (the exact pattern below), a
  whole number in its range, one of a list, or true/false; an empty value is not a value;
* each parameter at most once (``?kind=a&kind=b`` is refused, not read as its last value);
* parameters the document does not name are ignored, as HTTP caches and proxies may add some.

A well-formed value naming nothing (``?target_set=no-such-set``) is the view's to answer: 404
naming what exists, the request being well formed but its subject missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException

from returns.periods import Quarter

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"

#: Financial years the API accepts: the quarter before the first and after the last must be
#: quarters too (the dashboards compare with the quarter before), and returns.periods.Quarter
#: takes 1990 to 2100.
FIRST_YEAR, LAST_YEAR = 1991, 2099


def _quarter_pattern() -> str:
    """The quarters "1991/92 Q1" to "2099/00 Q4", exactly: the second year is the first plus
    one (a regular expression cannot add, so the years are listed, by century)."""
    by_century: dict[str, list[str]] = {}
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        by_century.setdefault(str(year)[:2], []).append(f"{year % 100:02d}/{(year + 1) % 100:02d}")
    years = "|".join(f"{century}(?:{'|'.join(ends)})" for century, ends in by_century.items())
    return rf"^(?:{years}) Q[1-4]$"


QUARTER_PATTERN = _quarter_pattern()
_QUARTER = re.compile(QUARTER_PATTERN)
_SLUG = re.compile(SLUG_PATTERN)
#: The largest whole number the API takes where the document gives no other bound: what both
#: databases store in an ordinary integer column.
MAX_INT = 2_147_483_647


class BadRequest(APIException):
    """400 ``{"detail": every message, "errors": {parameter or field: [messages]}}``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {name: list(messages) for name, messages in errors.items()}
        detail = " ".join(message for messages in self.errors.values() for message in messages)
        super().__init__({"detail": detail, "errors": self.errors})


class UnknownName(APIException):
    """404 ``{"detail": ..., "errors": {parameter: [messages]}}``: a well-formed value that
    names nothing (or nothing the caller may see)."""

    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {name: list(messages) for name, messages in errors.items()}
        detail = " ".join(message for messages in self.errors.values() for message in messages)
        super().__init__({"detail": detail, "errors": self.errors})


def read_quarter(text: str) -> Quarter:
    """A quarter as the API writes it ("2009/10 Q3"); ValueError with the reason otherwise."""
    if not _QUARTER.match(text):
        raise ValueError(
            f'"{text}" is not a quarter the API takes: write it like "2009/10 Q3" '
            f"(financial years {FIRST_YEAR}/{(FIRST_YEAR + 1) % 100:02d} to "
            f"{LAST_YEAR}/{(LAST_YEAR + 1) % 100:02d})."
        )
    return Quarter.parse(text)


@dataclass(frozen=True)
class Param:
    """One query parameter: how the document shows it and how a request's value is read."""

    name: str
    kind: str  # "slug", "quarter", "integer", "choice" or "boolean"
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = MAX_INT

    def openapi(self) -> OpenApiParameter:
        if self.kind == "integer":
            return OpenApiParameter(
                self.name,
                {"type": "integer", "minimum": self.minimum, "maximum": self.maximum},
                description=self.description,
                required=self.required,
            )
        if self.kind == "boolean":
            return OpenApiParameter(
                self.name, OpenApiTypes.BOOL, description=self.description, required=self.required
            )
        if self.kind == "choice":
            return OpenApiParameter(
                self.name,
                str,
                enum=list(self.choices),
                description=self.description,
                required=self.required,
            )
        pattern = SLUG_PATTERN if self.kind == "slug" else QUARTER_PATTERN
        return OpenApiParameter(
            self.name,
            {"type": "string", "pattern": pattern},
            description=self.description,
            required=self.required,
        )

    def read(self, text: str) -> Any:
        """The value of ``text``; ValueError with a message naming the parameter otherwise."""
        if self.kind == "slug":
            if not _SLUG.match(text):
                raise ValueError(
                    f'{self.name}: "{text}" is not a slug (letters, digits, "-" and "_").'
                )
            return text
        if self.kind == "quarter":
            return read_quarter(text)
        if self.kind == "integer":
            if not re.fullmatch(r"-?[0-9]{1,12}", text) or not (
                self.minimum <= int(text) <= self.maximum
            ):
                raise ValueError(
                    f'{self.name}: "{text}" is not a whole number from {self.minimum} to '
                    f"{self.maximum}."
                )
            return int(text)
        if self.kind == "boolean":
            if text not in ("true", "false"):
                raise ValueError(f'{self.name}: "{text}" is not true or false.')
            return text == "true"
        if text not in self.choices:
            raise ValueError(f'{self.name}: "{text}" is not one of {", ".join(self.choices)}.')
        return text


def openapi_parameters(params: Iterable[Param]) -> list[OpenApiParameter]:
    return [param.openapi() for param in params]


def read_query(query, params: Iterable[Param]) -> dict[str, Any]:
    """The values of ``params`` in ``query`` (a QueryDict), by name; BadRequest (400) naming
    each parameter at fault. A parameter left out is left out of the result."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for param in params:
        given = query.getlist(param.name)
        if not given:
            if param.required:
                errors[param.name] = [f"{param.name} is required: {param.description}"]
            continue
        if len(given) > 1:
            errors[param.name] = [f"{param.name}: give it once, not {len(given)} times."]
            continue
        try:
            values[param.name] = param.read(given[0])
        except ValueError as error:
            errors[param.name] = [str(error)]
    if errors:
        raise BadRequest(errors)
    return values


class StrictQueryMixin:
    """Reads ``query_parameters`` into ``self.query`` once the caller is let in (so that an
    anonymous call is still 401 and a call without the role 403, whatever its query)."""

    query_parameters: tuple[Param, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # HEAD runs the GET handler (Django's View), so it reads the same query.
        self.query = (
            read_query(request.query_params, self.query_parameters)
            if request.method in ("GET", "HEAD")
            else {}
        )


def path_slug(name: str, description: str) -> OpenApiParameter:
    """A slug in the path (Django's ``<slug:...>``: anything else is a 404 of its own)."""
    return OpenApiParameter(
        name,
        {"type": "string", "pattern": SLUG_PATTERN},
        OpenApiParameter.PATH,
        description=description,
    )


def path_id(name: str = "id", description: str = "The return's id.") -> OpenApiParameter:
    """A database id in the path (riep/api/urls.py's ``<id:...>``: 1 to MAX_INT)."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": MAX_INT},
        OpenApiParameter.PATH,
        description=description,
    )


class IdConverter:
    """A path's database id: 1 to MAX_INT. A larger number reached the database as a value no
    integer column holds (an OverflowError, a 500, on SQLite); now it matches no address."""

    regex = "[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_INT:
            raise ValueError("not an id")
        return number

    def to_url(self, value) -> str:
        return str(value)
