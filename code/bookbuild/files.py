"""Facts about the book on disk that several parts of bookbuild need.

- write_atomic: every file bookbuild writes goes through a temporary
  file and a rename, so a failed write leaves the previous file as it
  was (the build, the PDF export, the readers' notebooks, the math
  cache, JupyterLab's settings).
- git and commit_epoch: the repository's version and the time of its
  last commit, so that dated outputs never follow the clock.
- fingerprint: what decides whether something is made again (the site,
  a page's execution) is a digest of the files it reads.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path


def write_atomic(path, data: bytes | str) -> None:
    """Write data (bytes, or text as UTF-8) to path through a temporary
    file in the same folder and a rename; on failure path is untouched."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def git(root, *args: str) -> str | None:
    """`git <args>`'s stripped output in root, or None if git fails."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True,
                              text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def commit_epoch(root) -> str | None:
    """SOURCE_DATE_EPOCH if set, else the last commit's time (seconds
    since 1970, as text); None outside git."""
    return os.environ.get("SOURCE_DATE_EPOCH") or git(
        root, "log", "-1", "--format=%ct") or None


def fingerprint(root, paths, start: str = "") -> str:
    """SHA-256 of `start`, then of each file's path (relative to root)
    and contents, in the order given."""
    digest = hashlib.sha256(start.encode())
    for path in paths:
        digest.update(str(Path(path).relative_to(root)).encode() + b"\0")
        digest.update(Path(path).read_bytes() + b"\0")
    return digest.hexdigest()
