"""axe-core in a page: WCAG 2.0-2.2 A and AA and axe's best practices (shared by the browser tests).

axe (npm, pinned in package.json; `npm ci` puts it in node_modules/) is injected with
``page.add_script_tag(path=...)``, an inline script: use a browser context made with
``bypass_csp=True`` (the pages' Content Security Policy forbids inline scripts).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page) -> list[dict]:
    """The page's violations (id, impact, the first nodes); asserts axe checked something."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository's root.")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    assert result["passes"], page.url  # axe did run and check something
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]
