"""Sphinx: the bibliography's plugin look-ups, once per build.

sphinxcontrib-bibtex resolves every ``{cite}`` through pybtex's
``find_plugin``, and pybtex looks each plugin up among the entry points
of every installed package, a scan of all their metadata (about 200
packages in the book's environment): some 220 scans per edition and
two to four seconds of each build. The installed packages do not change
during a build, so the scan's answer for a (group, name) is kept; what
``find_plugin`` returns is the same, plugins registered at run time
(pybtex checks those first) included.

Only for the pybtex :data:`bookbuild.pins.PINNED` names (its
``_load_entry_point`` calls the module's ``entry_points`` so); any other
version keeps its own.
"""

import functools

import pybtex.plugin

from .pins import pinned

#: pybtex's own look-up, kept for comparison (tests)
PYBTEX_ENTRY_POINTS = pybtex.plugin.entry_points


@functools.cache
def _entry_points(**selection):
    return PYBTEX_ENTRY_POINTS(**selection)


def entry_points(**selection):
    """pybtex's ``entry_points(group=..., name=...)``, each answer
    computed once (an ``EntryPoints``, a tuple: it cannot change)."""
    return _entry_points(**selection)


def setup(app):
    if pinned("pybtex"):
        pybtex.plugin.entry_points = entry_points
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
