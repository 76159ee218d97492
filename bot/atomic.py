"""Files written whole or not at all: through a temporary file beside them and a rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, content: str) -> None:
    """Write `content` to `path` through a temporary file in the same folder (made when
    missing) and a rename: a reader sees the old file or the new one, never half of one."""

    def write(temporary: Path) -> None:
        temporary.write_text(content, encoding="utf-8")

    write_through(path, write)


def write_through(path: Path, write: Callable[[Path], None], suffix: str = "") -> None:
    """`write(temporary)` fills a temporary file in `path`'s folder (made when missing), which
    is then renamed to `path`; on any failure the temporary file is removed. `suffix` ends the
    temporary name (numpy's savers add `.npy`/`.npz` to a name without it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
