"""The PDF writer's caches on disk: a pickled (key, payload) per file.

The key says what made the payload (a format number, the versions of
the libraries that computed it); a file with another key, or one that
cannot be read, is passed over and its contents computed afresh.

The editions of a book export side by side and need the same formulas
and figures: :func:`one_at_a_time` lets one lay them out and save them
while the other waits, then reads them.
"""

from __future__ import annotations

import contextlib
import pickle
from pathlib import Path

from ..files import write_atomic


def read_caches(paths, key) -> list:
    """The payloads of the files among `paths` saved with `key`, in
    the order of `paths`."""
    payloads = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                saved_key, payload = pickle.load(handle)
        except FileNotFoundError:
            continue
        except (pickle.UnpicklingError, EOFError, AttributeError,
                ImportError, TypeError, ValueError):
            continue                    # unreadable: computed afresh
        if saved_key == key:
            payloads.append(payload)
    return payloads


def write_cache(path: Path, key, payload) -> None:
    """Save `payload` under `key` at `path` (atomic)."""
    write_atomic(path, pickle.dumps((key, payload), protocol=5))


@contextlib.contextmanager
def one_at_a_time(folder: Path):
    """Within, no other export holds the lock of `folder` (the build
    folder the editions' doctrees share); it is let go however the
    export ends. Without fcntl (Windows), no lock: each edition
    computes what it does not find."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(folder / ".pdf-caches.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
