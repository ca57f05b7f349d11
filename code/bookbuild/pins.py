"""The upstream versions bookbuild's extensions reach inside, and one
check that the installed ones are those.

`bookbuild.notebooks` wraps myst-nb's execution internals,
`bookbuild.translated_glue` its glue look-up, `bookbuild.tabs` builds
sphinx-design's tab nodes by hand, and `bookbuild.theme` overrides
templates and visitors of the theme and of sphinx-proof/sphinx-exercise.
Each calls :func:`require` in its ``setup``, so a dependency update
stops the build with a message instead of changing the site unnoticed.
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
}


def require(user: str, package: str, found: str | None = None) -> None:
    """Raise ExtensionError unless `package` is at PINNED[package].

    user: the module that depends on it (its ``__name__``); found: the
    installed version, by default importlib.metadata's.
    """
    expected = PINNED[package]
    found = version(package) if found is None else found
    if found != expected:
        raise ExtensionError(
            f"{user} was written for {package} {expected} and reaches "
            f"into its internals, but {package} {found} is installed: "
            f"read {package}'s changes since {expected}, adapt {user}, "
            "then update bookbuild.pins.PINNED and requirements.txt "
            "together")
