"""The upstream versions bookbuild reaches inside, and the one check
that the installed ones are those.

`bookbuild.notebooks` wraps myst-nb's execution internals,
`bookbuild.translated_glue` its glue look-up, `bookbuild.tabs` builds
sphinx-design's tab nodes by hand, and `bookbuild.theme` overrides
templates and visitors of the theme and of sphinx-proof/sphinx-exercise.
Each calls :func:`require` in its ``setup``, so a dependency update
stops the build with a message instead of changing the site unnoticed.
`bookbuild.pdf.ziastyles` replaces a function of ziamath's, and
`bookbuild.citations` one of pybtex's, only where :func:`pinned` (a
faster copy: any other version keeps its own).
requirements.txt pins the same versions (some through jupyter-book).
"""

from importlib.metadata import version

from sphinx.errors import ExtensionError

#: package -> the release bookbuild's extensions were written against
PINNED = {
    "myst-nb": "1.4.0",
    "sphinx-design": "0.8.0",
    "sphinx-proof": "0.4.0",
    "sphinx-exercise": "1.2.1",
    "pydata-sphinx-theme": "0.17.1",
    "sphinx-book-theme": "1.3.0",
    "ziamath": "0.13",
    # through sphinxcontrib-bibtex, not in requirements.txt: another
    # version only loses bookbuild.citations' speed-up
    "pybtex": "0.26.1",
}


def pinned(package: str) -> bool:
    """Is `package` installed at PINNED[package]?"""
    return version(package) == PINNED[package]


def require(user: str, package: str) -> None:
    """Raise ExtensionError unless `package` is at PINNED[package].

    user: the module that depends on it (its ``__name__``).
    """
    if not pinned(package):
        expected, found = PINNED[package], version(package)
        raise ExtensionError(
            f"{user} was written for {package} {expected} and reaches "
            f"into its internals, but {package} {found} is installed: "
            f"read {package}'s changes since {expected}, adapt {user}, "
            "then update bookbuild.pins.PINNED and requirements.txt "
            "together")
