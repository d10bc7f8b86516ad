"""Browser tests: pytest-playwright's `page` fixture driving Debian's Chromium.

There is no `playwright install` here (it would download a browser, which this network refuses):
Playwright launches the system's /usr/bin/chromium (package `chromium`, installed by
scripts/ensure-system-packages.sh test), or CHROMIUM_PATH when set. Use only the `page` /
`browser` / `context` fixtures of pytest-playwright in this session: a second sync_playwright()
in the same process fails.

Tests here take `live_server` (pytest-django) and are marked `browser`.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an asyncio loop in the test thread, so Django's ORM would refuse
# to run in that thread (SynchronousOnlyOperation) during browser tests: tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root on the CI and dev machines
    "--disable-gpu",
    "--disable-quic",
    # The machine has no network but the package registries: without these Chromium keeps
    # trying (and failing) to reach Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            f"Chromium not found at {path}: run scripts/ensure-system-packages.sh test "
            "(Debian package `chromium`) or set CHROMIUM_PATH."
        )
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options (--headed, --slowmo...) plus the system Chromium."""
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": [*CHROMIUM_ARGS, *browser_type_launch_args.get("args", [])],
    }


@pytest.fixture(scope="session")
def base_url(pytestconfig):
    """The same as pytest-playwright's own fallback (--base-url, or the base_url ini value).

    pytest-playwright 0.10 defines that fallback as a method of a plugin object, which pytest 9
    deprecates with a PytestRemovedIn10Warning, an error under our filterwarnings=error. Defining
    it here means the plugin's version is never called. Tests use live_server.url explicitly.
    """
    return pytestconfig.getoption("--base-url") or pytestconfig.getini("base_url") or None


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser/ is a browser test, marked or not."""
    for item in items:
        if "/tests/browser/" in item.path.as_posix():
            item.add_marker(pytest.mark.browser)
