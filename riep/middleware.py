"""Site-wide response rules that no single view should have to remember.

* ``NoStoreMiddleware``: a page or JSON answer made for a signed-in user is never kept by a
  browser's or a proxy's cache (``Cache-Control: no-store``): returns, ratings and draft papers
  must not be readable from a shared computer's cache after signing out.
* ``DatabaseBusyMiddleware``: a write that could not get the database's lock in time (SQLite's
  "database is locked", PostgreSQL's lock timeout, deadlock or serialization failure) is
  answered 409 with a plain "try again", never a 500 and never a traceback. Nothing was saved:
  the transaction was rolled back.
"""

from __future__ import annotations

from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render

#: PostgreSQL's SQLSTATE codes for "could not get the lock", deadlock, serialization failure.
_POSTGRES_BUSY = {"55P03", "40P01", "40001"}
_SQLITE_BUSY = ("database is locked", "database table is locked")
BUSY_MESSAGE = (
    "The database was busy with someone else's change and yours could not be saved in time. "
    "Nothing was changed: please try again."
)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # request.user is the session's user, or the API token's (DRF sets it on the request).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response


def is_lock_failure(error: BaseException) -> bool:
    """Whether a database error means "busy, try again" rather than a fault."""
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.__cause__, "sqlstate", None) in _POSTGRES_BUSY:
        return True
    return any(text in str(error) for text in _SQLITE_BUSY)


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_lock_failure(exception):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": BUSY_MESSAGE}, status=409)
        return render(request, "409.html", {"message": BUSY_MESSAGE}, status=409)
