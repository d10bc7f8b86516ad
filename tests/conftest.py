"""Fixtures and hooks shared by the whole suite.

pytest-django's defaults are used as they are: the test database is created once per run by
`django_db_setup` from whatever DATABASE_URL says (SQLite when unset; `make test` runs the suite
a second time against a throwaway PostgreSQL 15 through scripts/with-postgres.sh). Model
factories live in tests/factories.py.
"""

import pytest
from django.core.management import call_command
from django.db import transaction


def pytest_report_header(config):
    """Say which database this pass runs on, so the two passes can be told apart in CI logs."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    vendor = database["ENGINE"].rsplit(".", 1)[-1]
    where = f"{database.get('HOST')}:{database.get('PORT')}" if database.get("HOST") else "local"
    return f"database: {vendor} ({where}), settings: {settings.SETTINGS_MODULE}"


def _flushes_the_database(item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    # ``@pytest.mark.django_db(transaction=True)`` flushes too, without naming the fixture.
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and bool(
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    return "live_server" in fixtures or "transactional_db" in fixtures or marked


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Run the tests that flush the database (live server, transactional) after all others.

    A transactional test ends by flushing every table, including the role groups and their
    permissions that the data migrations created. pytest-django orders such tests last, but
    pytest-playwright's browser parametrisation reorders items afterwards; sorting here, last of
    all hooks, restores the order (stable, so each group keeps its own order).
    """
    items.sort(key=_flushes_the_database)


def _uses_the_database(item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server", "django_db_setup"} & set(fixtures)
    )


@pytest.fixture(scope="session", autouse=True)
def migrated_roles(request, django_db_blocker) -> dict[str, list[tuple[str, str]]]:
    """The role groups the data migrations created, with their permissions by natural key.

    Transactional tests (the browser tests among them) end by flushing every table;
    post_migrate then recreates content types and permissions, but not the groups of our data
    migrations. (Django's serialized_rollback keeps its snapshot on the connection object,
    which Playwright's greenlets can swap for another.) Taken once, before the first test.
    """
    from django.contrib.auth.models import Group

    # pytest-django sets up the test database only for sessions that have a database test:
    # a run of database-free tests alone (the rating engine's) has no tables to read.
    if not any(_uses_the_database(item) for item in request.session.items):
        return {}
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        return {
            group.name: list(group.permissions.values_list("content_type__app_label", "codename"))
            for group in Group.objects.all()
        }


@pytest.fixture(autouse=True)
def _migrated_roles(request, migrated_roles):
    """Give every transactional test the role groups back after an earlier test's flush."""
    if not _flushes_the_database(request.node):
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group, Permission

    for name, permissions in migrated_roles.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.set(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in permissions
            )


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    """The reference data and the demo (`make run`'s), loaded once for a test module inside a
    transaction rolled back at its end: each test's own changes are rolled back to this state
    by pytest-django's per-test savepoint, and nothing is left for the other modules."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", verbosity=0)
        call_command("setup_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_database, db):
    """A test on the demo database (see ``demo_database``)."""


@pytest.fixture(autouse=True)
def _forget_kept_reference_data():
    """Each test starts with nothing kept by ``targets.stamp``'s memos: the queries a test
    counts are a first reading's whatever ran before it."""
    from targets.stamp import clear_memos

    clear_memos()
