"""docs/benchmarks.md: each benchmark script owns one "## " section and rewrites only that one."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(heading: str, section: str, *, docs: Path = DOCS) -> None:
    """Replace the section that starts with ``heading`` (append it if absent), keep the others."""
    text = docs.read_text() if docs.exists() else "# Benchmarks\n\nWritten by `make bench`.\n"
    start = text.find(heading + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(heading))
        end = len(text) if following == -1 else following + 1
        text = text[:start] + section + ("\n" + text[end:] if following != -1 else "")
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(text.rstrip("\n") + "\n")
