"""Limit/offset pages whose parameters are bounded, checked and documented with their bounds.

DRF's LimitOffsetPagination takes any ``limit``: a huge one reached the database as an SQL
LIMIT too large for a 64-bit integer, and SQLite's driver answered with a 500 (issue 12). It
also reads a malformed ``limit`` or ``offset`` ("abc", "-1") as the default, where the caller
meant something else. Here both are whole numbers within the bounds the document states, and
anything else is a 400 naming the parameter.
"""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination

from .parameters import MAX_INT, Param, read_query

MAX_LIMIT = 1000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def _params(self) -> tuple[Param, Param]:
        return (
            Param(
                self.limit_query_param,
                "integer",
                f"How many results to return (1 to {MAX_LIMIT}; {self.default_limit} unless "
                "given).",
                minimum=1,
                maximum=MAX_LIMIT,
            ),
            Param(
                self.offset_query_param,
                "integer",
                "The position of the first result to return (0 is the first).",
                minimum=0,
                maximum=MAX_INT,
            ),
        )

    def _read(self, request) -> dict:
        # Read once per request: get_limit and get_offset are both called.
        if getattr(self, "_read_from", None) is not request:
            self._values = read_query(request.query_params, self._params())
            self._read_from = request
        return self._values

    def get_limit(self, request):
        return self._read(request).get(self.limit_query_param, self.default_limit)

    def get_offset(self, request):
        return self._read(request).get(self.offset_query_param, 0)

    def get_schema_operation_parameters(self, view):
        return [_as_dict(param) for param in self._params()]


def _as_dict(param: Param) -> dict:
    """The parameter as DRF's schema generation writes it (drf-spectacular reads this form)."""
    return {
        "name": param.name,
        "required": False,
        "in": "query",
        "description": param.description,
        "schema": {"type": "integer", "minimum": param.minimum, "maximum": param.maximum},
    }
