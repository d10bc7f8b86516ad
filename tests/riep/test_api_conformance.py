"""The API conforms to its OpenAPI document, as each role (issue 12, item 6).

schemathesis (its pytest integration) generates requests from /api/v1/openapi.json for every
operation and sends them to the Django application through WSGI, in the test's transaction,
signed in by API token as a programme manager (Derbyshire's, whose return is approved), the
Director, a Board member and a signed-in user with no role. Every check schemathesis has runs on
every answer (its default: all checks), among them: no server error; every status code, content
type and header documented; every body valid against its schema; schema-valid requests not
rejected (2xx, 3xx, 401, 403, 404, 409, 429) and schema-invalid ones not accepted; 405 for a
method the path has not; an answer without credentials is 401. A user without a role is
refused everything (403, or 404 for an address the API has not).

Both of schemathesis's generating phases run: "coverage" (each parameter's and field's
boundaries and mutations, deterministic) and "fuzzing" (hypothesis, ``MAX_EXAMPLES`` a
operation and a role), from a fixed seed, so that a run is repeatable and takes about a minute
and a half. On the demo data (``load_reference_data`` + ``setup_demo``), so that ids, slugs and
dashboards are real. Issue 12's run as a programme manager (952 cases) found 1 server error,
3 answers outside their schema, 8 valid requests rejected, 5 invalid ones accepted and 5
undocumented status codes; each is now 0, for each role.

Set ``API_CONFORMANCE_REPORT=path.json`` to write how many cases were generated, by role,
operation, mode and phase (docs/security.md quotes the totals).
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from tests.factories import make_user

#: role → the demo user who holds it (None: a user signed in without any role).
ROLES = {
    "programme-manager": "pm-derbyshire",
    "director": "director",
    "board-member": "board",
    "no-role": None,
}
SEED = 2010
MAX_EXAMPLES = 10

# The document /api/v1/openapi.json serves (test_the_document_tested_is_the_one_served proves
# it), generated here because schemathesis collects its tests before any database exists.
DOCUMENT = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {"seed": SEED, "generation": {"max-examples": MAX_EXAMPLES}}
    ),
)
schema.app = get_wsgi_application()

GENERATED: Counter[tuple[str, str, str, str]] = Counter()


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module inside a transaction rolled back at its end
    (each test's own writes roll back to it). A real WSGI server closes the database
    connection after each request; here that would end the test's transaction, so the
    signal is held off for the module, as Django's own test client does per request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("load_reference_data", verbosity=0)
            call_command("setup_demo", verbosity=0)
            yield
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        if report := os.environ.get("API_CONFORMANCE_REPORT"):
            rows = [[*key, count] for key, count in sorted(GENERATED.items())]
            with open(report, "w", encoding="utf-8") as out:
                json.dump(rows, out, indent=1)


@pytest.fixture(params=list(ROLES))
def caller(request, demo_database, db) -> tuple[str, str]:
    """(role, API token) of a user holding the role."""
    username = ROLES[request.param]
    User = get_user_model()
    user = User.objects.get(username=username) if username else make_user(None, username="none")
    return request.param, Token.objects.create(user=user).key


@schema.parametrize()
@settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_document(case, caller):
    role, token = caller
    meta = case.meta
    GENERATED[(role, case.operation.label, meta.generation.mode.value, meta.phase.name.value)] += 1
    response = case.call_and_validate(headers={"Authorization": f"Token {token}"})
    if role == "no-role":
        # Signed in without a role: refused everywhere (or no such address), whatever was sent.
        assert response.status_code in (403, 404), response.status_code


def test_the_document_tested_is_the_one_served(client, db):
    client.force_login(make_user(None))

    served = client.get("/api/v1/openapi.json")

    assert served.status_code == 200
    assert served.json() == DOCUMENT
    assert len(DOCUMENT["paths"]) == 13


def test_every_operation_documents_the_errors_it_may_answer():
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "patch"):
                assert {"400", "409", "413", "415"} <= codes, (method, path)
                assert list(operation["requestBody"]["content"]) == ["application/json"]
            if any(param["in"] == "query" for param in operation.get("parameters", [])):
                assert "400" in codes, (method, path)
