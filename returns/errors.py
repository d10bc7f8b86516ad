"""The failures of the returns services, as structured errors.

Every error is a ``ValidationError`` (so forms and views show its messages as they are) with a
stable ``code`` and, where it concerns lines, the ``problems``: one per authority, target and
field. The API and the importer read those fields; nobody parses the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class LineProblem:
    """One thing wrong with one field of one line."""

    authority_id: int
    target_id: int
    field: str
    message: str
    where: str = ""  # "Boston / 8": how people name the line

    def __str__(self) -> str:
        where = self.where or f"{self.authority_id}/{self.target_id}"
        return f"{where} / {self.field}: {self.message}"

    @classmethod
    def all_of(cls, line, error: ValidationError) -> list[LineProblem]:
        """Every message of a line's refused ``full_clean``, one problem per field and message,
        naming the line as people do ("Boston / 8")."""
        where = f"{line.authority.short_name} / {line.target.number}"
        return [
            cls(line.authority_id, line.target_id, name, message, where)
            for name, messages in error.message_dict.items()
            for message in messages
        ]


class ServiceError(ValidationError):
    """A refused write; ``code`` says which kind."""

    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, params=None):
        super().__init__(message, code=code or self.default_code, params=params)
        self.code = code or self.default_code  # also when the message is a dict of fields


class ReturnLocked(ServiceError):
    """The return is submitted or approved: its lines cannot change until it is reopened."""

    default_code = "locked"


class StaleReturn(ServiceError):
    """Someone changed the return since the version the caller based its changes on."""

    default_code = "stale"

    def __init__(self, message: str, *, changed: list, current_version: int):
        super().__init__(message)
        self.changed = changed
        self.current_version = current_version


class InvalidLines(ServiceError):
    """Some lines' new values are wrong: nothing was written."""

    default_code = "invalid_lines"

    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        messages: dict[str, list[str]] = {}
        for problem in problems:
            key = f"{problem.where} / {problem.field}" if problem.where else problem.field
            messages.setdefault(key, []).append(problem.message)
        super().__init__(messages)


class StepRefused(ServiceError):
    """A sign-off step that may not be taken now (wrong status, wrong person, four eyes)."""

    default_code = "step_refused"
