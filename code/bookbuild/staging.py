"""The staging folder of a build (:mod:`bookbuild.build`): its layout,
known here only.

Jupyter Book builds the book into ``_build/.stage-<pid>/_build`` and
each edition (:mod:`bookbuild.i18n`) into
``_build/.stage-<pid>/edition-<lang>/_build``. Two folders are the
book's own and outlive a build, shared through links: the execution
cache, ``_build/.jupyter_cache``, and the doctrees, ``_build/.doctrees``
(``_build/.doctrees-<lang>`` for an edition: --all reads every chapter
afresh; the proofs PDF keeps its laid-out math there). An edition's
site becomes the folder ``<lang>`` of the book's; the finished site
and its executed notebooks then take the place of ``_build/html`` and
``_build/jupyter_execute``, each in one rename
(:func:`bookbuild.processes.publish`).

A file that Sphinx recorded during a staged build (an executed
notebook's image) is found after it through :func:`image_file`.
"""

import os
import shutil
from pathlib import Path

from bookbuild.processes import publish

STAGE_PREFIX = ".stage-"
SHARED = (".jupyter_cache", ".doctrees")
# myst-nb's folder for executed notebooks, next to the HTML output.
EXECUTED = "jupyter_execute"


def stage_folder(build_dir):
    """This build's staging folder: Jupyter Book writes <stage>/_build."""
    return Path(build_dir) / f"{STAGE_PREFIX}{os.getpid()}"


def site(stage):
    """The staged site: what becomes _build/html."""
    return stage / "_build" / "html"


def make_stage(build_dir):
    """This build's staging folder, made afresh, with the book's shared
    folders linked in; the staging folders of builds that died
    (SIGKILL) or were stopped are removed first."""
    for stale in build_dir.glob(f"{STAGE_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    stage = stage_folder(build_dir)
    (stage / "_build").mkdir(parents=True)
    for name in SHARED:
        (build_dir / name).mkdir(exist_ok=True)
        (stage / "_build" / name).symlink_to(build_dir / name)
    return stage


def _edition_folder(stage, lang):
    return stage / f"edition-{lang}"


def make_edition_stage(build_dir, stage, lang):
    """The staging folder of the `lang` edition, made: the book's
    execution cache linked in, and the edition's own doctrees."""
    folder = _edition_folder(stage, lang)
    (folder / "_build").mkdir(parents=True)
    doctrees = build_dir / f".doctrees-{lang}"
    doctrees.mkdir(exist_ok=True)
    (folder / "_build" / ".jupyter_cache").symlink_to(
        build_dir / ".jupyter_cache")
    (folder / "_build" / ".doctrees").symlink_to(doctrees)
    return folder


def add_edition(stage, lang):
    """Move the `lang` edition's site into the staged site's <lang>."""
    if site(stage).is_dir():
        os.replace(site(_edition_folder(stage, lang)), site(stage) / lang)


def publish_stage(stage, build_dir):
    """Put the staged site and its executed notebooks in place."""
    executed = stage / "_build" / EXECUTED
    if executed.is_dir():
        publish(executed, build_dir / EXECUTED)
    publish(site(stage), build_dir / "html")


def keep_reports(stage, build_dir):
    """Copy myst-nb's failure reports out of the staged site (which goes)
    to _build/reports; returns that folder."""
    kept = build_dir / "reports"
    shutil.rmtree(kept, ignore_errors=True)
    if (site(stage) / "reports").is_dir():
        shutil.copytree(site(stage) / "reports", kept)
    return kept


def published_path(root, path):
    """Where a file that a staged build wrote at `path` (relative to the
    book's root: ``_build/.stage-<pid>/_build/<rest>``, or
    ``_build/.stage-<pid>/edition-<lang>/_build/<rest>`` for an
    edition) is once the build is in place: ``root/_build/<rest>``.
    An edition's executed notebooks are not kept: they are the book's,
    whose images have the same names (hashes of their contents). None if
    `path` is not staged."""
    parts = Path(path).parts
    for i, part in enumerate(parts[:-2]):
        if not part.startswith(STAGE_PREFIX):
            continue
        rest = parts[i + 1:]
        if rest[0].startswith("edition-") and len(rest) > 2:
            rest = rest[1:]
        if rest[0] == "_build":
            return Path(root, "_build", *rest[1:])
    return None


def image_file(srcdir, uri):
    """The file of an image `uri` (relative to the source folder srcdir).

    An image of an executed notebook that a staged build recorded is
    looked for where the build put it once complete
    (:func:`published_path`).
    """
    path = Path(srcdir) / uri
    if not path.is_file():
        moved = published_path(srcdir, uri)
        if moved is not None and moved.is_file():
            return moved
    return path
