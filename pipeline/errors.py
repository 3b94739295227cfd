"""The faults a user can cause, as one family of exceptions that imports nothing heavy.

Every error here is a ``UserError``: its message is the whole story (the file, the problem
and the fix), so the command line prints it as one ``error:`` line and a batch render lists
it as the reason a report failed. Anything that is not a ``UserError`` is a bug and is
reported with its type. The modules that raise these re-export them under their old names
(``pipeline.ingest.InputFileError`` and so on), so either import works.

This module imports only the standard library: the command line classifies a failure
without loading pandas, and a cached render stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class UserError(Exception):
    """A fault in what the user gave (a definition, an export, a folder), not in the code."""


class ReportDefinitionError(UserError, ValueError):
    """A report definition that cannot be used; the message names the file and the key."""


class InputFileError(UserError, ValueError):
    """A whole-file fault: the file cannot be read as an export of its kind."""

    def __init__(self, path: Path | str, problem: str, fix: str) -> None:
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem}. Fix: {fix}")


class MissingColumnsError(UserError, ValueError):
    """Required columns are absent; the message names them and the closest headers found.

    ``yaml`` is the line of YAML (a ``columns:`` mapping) that would map the closest headers
    onto the missing columns, for the caller to tell the author where to put it.
    """

    def __init__(
        self,
        message: str,
        missing: Iterable[str] = (),
        closest: dict | None = None,
        yaml: str | None = None,
    ):
        super().__init__(message)
        self.missing = list(missing)
        self.closest = dict(closest or {})
        self.yaml = yaml


class ExportFault(UserError, ValueError):
    """A fault in an export's contents found while cleaning it: nearly every row unusable, a
    header given twice with different values, a ``columns:`` or ``values:`` mapping that does
    not fit the file. The cleaner does not know the file's path or where its settings live:
    the caller names both (``problem`` and ``fix`` are kept apart for that), and ``yaml``, when
    given, is the line of YAML to add under ``key`` (``columns`` or ``values``)."""

    def __init__(self, problem: str, fix: str, yaml: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        self.yaml = yaml
        super().__init__(f"{problem}. Fix: {fix}")


class RenderError(UserError, RuntimeError):
    """A render that could not finish; the message says which step and why."""


class PublicationRefused(UserError, RuntimeError):
    """The publication gate refused the files; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[object]) -> None:
        self.problems: list = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        lines = [f"publication refused: {count} problem{'s' if count != 1 else ''}"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


class VerifyError(UserError, RuntimeError):
    """Verification cannot be done (missing manifest, changed inputs)."""


class UnknownReportType(ReportDefinitionError):
    """A definition names a report type no registered plug-in provides."""
