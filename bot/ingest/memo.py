"""What ingest read from each raw file, kept so that an ingest run reads only what changed.

Reading a transcript (decoding its format, normalising, segmenting, timing) is most of an
ingest's time: minutes for the corpus's 700 files, though an admin re-runs ingest mostly to
add a few. `IngestMemo` keeps, in a folder of the derived data (`ingest/`, one JSON file per
raw file), what `ingest_one` made of a file: the result and the episode before the steps that
look across files (the show from the folder's podcast metadata, unique ids), which run as
always. A file is read again when its size, change time or inode, its catalog entry, or the
ingest code differs; failures are never kept (each run says them again). Whatever does not
read back is read again; a memo that cannot be written costs speed only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from bot.atomic import write_atomically
from bot.code_stamp import code_stamp
from bot.episodes.stored import from_record, to_record
from bot.episodes.text_print import PrintError
from bot.ingest.catalog import Catalog
from bot.ingest.pipeline import FileResult

log = logging.getLogger(__name__)

LAYOUT = 1
_PACKAGE = Path(__file__).resolve().parents[1]
# What decides what ingest makes of a file: other code reads every file again.
CODE = (
    "ingest",
    "episodes/model.py",
    "episodes/stored.py",  # how an episode is kept here
    "episodes/text_print.py",
    "text.py",
    "errors.py",
    "yaml_safe.py",
)


class IngestMemo:
    """The kept results of one derived-data folder (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.code = code_stamp(_PACKAGE / place for place in CODE)
        self._writable = True

    def _file(self, path: Path, source: str) -> Path:
        name = hashlib.sha1(f"{path.resolve()}\0{source}".encode()).hexdigest()[:20]
        return self.folder / f"{name}.json"

    def _key(self, path: Path, source: str, catalog: Catalog) -> dict[str, Any] | None:
        try:
            found = path.stat()
        except OSError:
            return None
        return {
            "layout": LAYOUT,
            "code": self.code,
            "source": source,
            "stat": [found.st_size, found.st_mtime_ns, found.st_ino],
            "catalog": repr(catalog.entry_for(source)),
        }

    def get(self, path: Path, source: str, catalog: Catalog) -> FileResult | None:
        """The result kept for this file as it is now, else None (read it, then `put`)."""
        key = self._key(path, source, catalog)
        try:
            kept = json.loads(self._file(path, source).read_text(encoding="utf-8"))
            if key is None or kept["key"] != key:
                return None
            episode = from_record(kept["episode"]) if kept["episode"] is not None else None
            result = FileResult(
                path,
                source,
                str(kept["status"]),
                kept["format"],
                str(kept["message"]),
                episode,
                kept["folder_show"],
            )
        except (OSError, ValueError, KeyError, TypeError, PrintError):
            return None
        return result

    def put(self, path: Path, source: str, catalog: Catalog, result: FileResult) -> None:
        """Keep what was read from this file (not a failure)."""
        key = self._key(path, source, catalog)
        if key is None or result.status == "failed" or not self._writable:
            return
        kept = {
            "key": key,
            "status": result.status,
            "format": result.format,
            "message": result.message,
            "folder_show": result.folder_show,
            "episode": to_record(result.episode) if result.episode else None,
        }
        try:
            text = json.dumps(kept, ensure_ascii=False, separators=(",", ":"))
            write_atomically(self._file(path, source), text)
        except OSError as exc:
            log.warning("cannot keep what ingest read in %s (%s)", self.folder, exc)
            self._writable = False
