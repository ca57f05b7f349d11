"""Make JupyterLab in this environment open the chapters as notebooks.

    python -m bookbuild.labsetup

The chapters are MyST Markdown files. Jupytext lets JupyterLab open them
as notebooks, but by default a double click opens a text editor. This
writes JupyterLab's settings overrides inside the virtual environment
(`<sys.prefix>/share/jupyter/lab/settings/overrides.json`), so `make lab`
opens every chapter as a notebook without touching the reader's home
directory or settings. `make book` and `make test` run it at set-up.
"""

import json
import sys
from pathlib import Path

from bookbuild.files import write_atomic

DOCMANAGER = "@jupyterlab/docmanager-extension:plugin"
VIEWERS = {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}


def overrides_path(prefix=sys.prefix):
    """Where JupyterLab reads environment-wide settings overrides."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" \
        / "overrides.json"


def write_overrides(path):
    """Merge the default viewers into the overrides file at `path`."""
    settings = json.loads(path.read_text()) if path.exists() else {}
    settings.setdefault(DOCMANAGER, {}).setdefault("defaultViewers", {})
    settings[DOCMANAGER]["defaultViewers"].update(VIEWERS)
    write_atomic(path, json.dumps(settings, indent=2))
    return settings


if __name__ == "__main__":
    target = overrides_path()
    write_overrides(target)
    print(f"JupyterLab opens .md chapters as notebooks ({target})")
