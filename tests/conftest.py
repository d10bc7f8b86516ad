"""Fixtures and hooks shared by the whole suite.

pytest-django's defaults are used as they are: the test database is created once per run by
`django_db_setup` from whatever DATABASE_URL says (SQLite when unset; `make test` runs the suite
a second time against a throwaway PostgreSQL 15 through scripts/with-postgres.sh). Model
factories live in tests/factories.py.
"""


def pytest_report_header(config):
    """Say which database this pass runs on, so the two passes can be told apart in CI logs."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    vendor = database["ENGINE"].rsplit(".", 1)[-1]
    where = f"{database.get('HOST')}:{database.get('PORT')}" if database.get("HOST") else "local"
    return f"database: {vendor} ({where}), settings: {settings.SETTINGS_MODULE}"
