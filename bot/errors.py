"""Typed errors: each names the file, the line and what is wrong (imports nothing)."""

from __future__ import annotations

from pathlib import Path


class PodquoteError(Exception):
    """Base class of every error the core raises on purpose."""


class LocatedError(PodquoteError):
    """A problem at a place in a file: `PATH:LINE: what is wrong` (no line when unknown)."""

    def __init__(self, path: Path | str, line: int | None, why: str) -> None:
        self.path = str(path)
        self.line = line
        self.why = why
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {why}")


class TranscriptError(LocatedError):
    """A file that cannot be read as a transcript."""


class NotATranscript(PodquoteError):
    """A readable file that is clearly not a transcript (show notes, a list of episodes).

    `show` is the show it names for the files beside it (podcast metadata), if any.
    """

    def __init__(self, path: Path | str, reason: str, show: str | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.show = show
        super().__init__(f"{self.path}: skipped: {reason}")


class CatalogError(LocatedError):
    """A bad entry or field in `catalog.yaml`."""


class EpisodeFileError(PodquoteError):
    """A normalised episode file that is broken or of another schema version."""

    def __init__(self, path: Path | str, why: str) -> None:
        self.path = str(path)
        self.why = why
        super().__init__(f"{self.path}: {why}")


class ReaderError(Exception):
    """Raised inside a reader with a line number; the ingest adds the path."""

    def __init__(self, line: int | None, why: str) -> None:
        self.line = line
        self.why = why
        super().__init__(f"line {line}: {why}" if line else why)


class NotTranscriptContent(Exception):
    """Raised inside a reader for content that is not a transcript; the ingest adds the path.

    `show` is the show such a file names for the files beside it (podcast metadata).
    """

    def __init__(self, reason: str, show: str | None = None) -> None:
        self.reason = reason
        self.show = show
        super().__init__(reason)


def yaml_problem(exc: Exception, first_line: int = 1) -> tuple[int | None, str]:
    """(1-based line, one-line reason) of a PyYAML error; `first_line` is where the text began."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n", 1)[0]
    context = getattr(exc, "context", None)
    why = f"{context}: {problem}" if context else str(problem)
    line = first_line + mark.line if mark is not None else None
    return line, " ".join(why.split())
