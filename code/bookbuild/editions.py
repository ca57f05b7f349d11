"""The book's editions: English at the site's root, Korean under ko/.

Which languages the book is published in, where each edition lives in
the site, what its title page says, and where its catalogues are.  The
build (:mod:`bookbuild.build`), the PDFs, the catalogues' command
(:mod:`bookbuild.catalogues`) and the Sphinx extension
(:mod:`bookbuild.i18n`) all read them here.
"""

from pathlib import Path

#: The source language and every edition: language -> (path of the
#: edition in the site, the language's own name for the switch).
SOURCE = "en"
EDITIONS = {
    "en": ("", "English"),
    "ko": ("ko/", "한국어"),
}
#: What _config.yml says outside the pages, in each translated edition.
EDITION_CONFIG = {
    "ko": {"title": "손과 기계로 구하는 기울기",
           "author": "「손과 기계로 구하는 기울기」 저자들"},
}
LOCALES = "locales"
#: The word that opens a proof (sphinx-proof writes "Proof. " before
#: its first paragraph; each edition's catalogue translates it).
PROOF_WORDS = ("Proof.", "증명.")


def proof_word(text):
    """The proof word `text` starts with, or None."""
    return next((w for w in PROOF_WORDS if text.startswith(w)), None)


def translated_languages(root=None):
    """The editions made by translation, in order; with `root`, only
    those the book there has catalogues for (locales/<lang>/): a book
    that has none is published in its source language alone."""
    return [lang for lang in EDITIONS if lang != SOURCE and (
        root is None or Path(root, LOCALES, lang, "LC_MESSAGES").is_dir())]


def catalogue_path(lang, docname):
    """The committed catalogue of one page, relative to the root."""
    return Path(LOCALES, lang, "LC_MESSAGES", f"{docname}.po")


def shorten(text, width=70):
    """A message on one line of a report, cut to `width` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"
