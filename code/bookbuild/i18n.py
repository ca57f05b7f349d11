"""The book's editions: English at the site's root, Korean under ko/.

One source, one execution. The English text is the source; Sphinx's
gettext workflow carries it to the other editions: ``make i18n``
extracts every translatable message (paragraphs, headings, captions,
alt texts, theorem titles) into ``_build/gettext/*.pot`` and merges them
into the committed catalogues ``locales/<lang>/LC_MESSAGES/book/*.po``
(sphinx-intl), then lists what is left to translate. Code, its comments
and every output come from the one executed notebook of each page, so
an edition shows the English edition's numbers.

As a Sphinx extension (in ``_config.yml``) this module

1. fails the build of a translated edition on any message that its
   catalogue does not translate (new, changed or fuzzy): a warning at
   the paragraph's file and line that names the catalogue and the
   message, so a change to an English sentence cannot publish English
   in the Korean edition;
2. puts a language switch on every page of every edition, linking to
   the same page in the other edition (``hreflang``, ``lang``, its
   visible text its accessible name);
3. gives the Korean search a word splitter that also indexes each word
   without its particle (:mod:`bookbuild.search_ko`).

As a command, ``python -m bookbuild.i18n`` is ``make i18n``.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import extract_messages

from . import WARNING_TYPE

logger = logging.getLogger(__name__)
SUBTYPE = "i18n"

#: The source language and every edition: language -> (path of the
#: edition in the site, the language's own name for the switch).
SOURCE = "en"
EDITIONS = {
    "en": ("", "English"),
    "ko": ("ko/", "한국어"),
}
LOCALES = "locales"


def translated_languages():
    """The editions made by translation, in order."""
    return [lang for lang in EDITIONS if lang != SOURCE]


def catalogue_path(lang, docname):
    """The committed catalogue of one page, relative to the root."""
    return Path(LOCALES, lang, "LC_MESSAGES", f"{docname}.po")


def shorten(text, width=70):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


class Untranslated(SphinxTransform):
    """After Sphinx's Locale transform: every message translated."""

    # sphinx.transforms.i18n.Locale is 20, TranslationProgressTotaliser
    # 25; the check needs the catalogue Locale used.
    default_priority = 26

    def apply(self, **kwargs):
        language = self.config.language
        if language in (None, SOURCE) or self.app.builder.name == "gettext":
            return
        domain = docname_to_domain(self.env.docname,
                                   self.config.gettext_compact)
        dirs = [str(Path(self.env.srcdir, d))
                for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, language, domain)
        merged = {}
        while catalog is not None:
            merged = {**getattr(catalog, "_catalog", {}), **merged}
            catalog = getattr(catalog, "_fallback", None)
        where = catalogue_path(language, domain)
        for node, message in extract_messages(self.document):
            if node.get("translated") or merged.get(message):
                continue
            logger.warning(
                f"untranslated or fuzzy message in {where}: "
                f"{shorten(message)!r} (run `make i18n`, translate it, "
                f"and clear its fuzzy flag)",
                location=node, type=WARNING_TYPE, subtype=SUBTYPE)


def edition_links(app, pagename, templatename, context, doctree):
    """The other editions of this page, for the language switch."""
    here = app.config.language or SOURCE
    depth = pagename.count("/")
    # From this page up to the root of its edition, then of the site.
    to_site = "../" * depth + "../" * EDITIONS[here][0].count("/")
    context["bookbuild_editions"] = [
        {"lang": lang, "name": name,
         "href": f"{to_site}{prefix}{pagename}.html"}
        for lang, (prefix, name) in EDITIONS.items() if lang != here
    ]


def korean_search(app, config):
    """The Korean edition's search splitter (bookbuild.search_ko)."""
    if config.language == "ko":
        from sphinx.search import languages

        languages["ko"] = "bookbuild.search_ko.SearchKorean"


def setup(app):
    app.add_transform(Untranslated)
    app.connect("config-inited", korean_search)
    app.connect("html-page-context", edition_links)
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}


# ---------------------------------------------------------------------
# make i18n


def catalogue_report(root, lang):
    """[(catalogue, untranslated, fuzzy, total)] of one language."""
    from babel.messages.pofile import read_po

    rows = []
    for po in sorted(Path(root, LOCALES, lang).rglob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        messages = [m for m in catalog if m.id]
        rows.append((po.relative_to(root),
                     sum(1 for m in messages if not m.string),
                     sum(1 for m in messages if m.fuzzy and m.string),
                     len(messages)))
    return rows


def extract(root):
    """The English messages, _build/gettext/**.pot (Sphinx's gettext
    builder). No page is executed for it: messages are the prose, and
    outputs are never translated."""
    import yaml

    from bookbuild.build import _jupyter_book, build_env

    stage = Path(root, "_build", "gettext-stage")
    stage.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(Path(root, "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    (stage / "_config.yml").write_text(yaml.safe_dump(config))
    command = _jupyter_book() + [
        "build", str(root), "--builder", "custom", "--custom-builder",
        "gettext", "--path-output", str(stage),
        "--config", str(stage / "_config.yml")]
    result = subprocess.run(command, cwd=root, env=build_env(root),
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"extracting the messages failed "
                         f"(exit {result.returncode})")
    return stage / "_build" / "gettext"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bookbuild.i18n",
        description="Extract the English messages, update the "
                    "catalogues of every edition, list what to translate.")
    parser.add_argument("--root", default=".")
    parser.add_argument("--check", action="store_true",
                        help="only report (exit 1 if anything is left)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if not args.check:
        pot = extract(root)
        for lang in translated_languages():
            subprocess.run(
                [sys.executable, "-m", "sphinx_intl", "update", "-p",
                 str(pot), "-d", str(root / LOCALES), "-l", lang,
                 "-w", "0", "--no-obsolete"],
                check=True, cwd=root, stdout=subprocess.DEVNULL)
    left = 0
    for lang in translated_languages():
        for po, untranslated, fuzzy, total in catalogue_report(root, lang):
            if untranslated or fuzzy:
                left += untranslated + fuzzy
                print(f"{po}: {untranslated} untranslated, {fuzzy} fuzzy "
                      f"of {total}")
    if left:
        print(f"{left} messages to translate: edit the msgstr of each "
              f"(and delete the '#, fuzzy' line once it is right)")
        return 1
    print("every message of every edition is translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
