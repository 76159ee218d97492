"""The build backend: setuptools', after a check that this Python is new enough.

pip reads `requires-python` of a project it installs from a folder only after resolving its
dependencies, and on an older Python it backtracks through them for minutes before saying
anything. The backend runs on the interpreter pip installs for, before any of that, so the
check here stops an old Python at once, with one clear line.
"""

from __future__ import annotations

import sys

# Keep in step with pyproject.toml's requires-python; this file runs on older Pythons too.
if sys.version_info < (3, 11):  # noqa: UP036
    found = ".".join(map(str, sys.version_info[:3]))
    raise SystemExit(f"podquote needs Python 3.11 or newer; this is Python {found}")

from setuptools.build_meta import *  # noqa: F403
