"""The Sphinx side of the book's editions (:mod:`bookbuild.editions`).

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
   without its particle (:mod:`bookbuild.search_ko`);
4. makes what other extensions write translatable: sphinx-exercise's
   titles (:class:`ExerciseTitles`) and myst-nb's glued values
   (:mod:`bookbuild.translated_glue`).

The catalogues' side (``make i18n``: extraction, the lint, the
report) is :mod:`bookbuild.catalogues`.
"""

import re
from pathlib import Path

from docutils import nodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import extract_messages

from . import WARNING_TYPE
from .editions import (EDITIONS, SOURCE, catalogue_path, shorten,
                       translated_languages)

logger = logging.getLogger(__name__)
SUBTYPE = "i18n"
DIRECTIVE_LINE = re.compile(r"^\s*[`:]{3,}\{[\w:-]+\}\s*(.*)$")


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
        merged = _catalogue(self.env, self.config, language)
        where = catalogue_path(language, domain)
        # Locale rewrites an image's alt without marking the image.
        translations = set(merged.values())
        for node, message in extract_messages(self.document):
            if node.get("translated") or merged.get(message) \
                    or message in translations or _is_metadata(node):
                continue
            logger.warning(
                f"untranslated or fuzzy message in {where}: "
                f"{shorten(message)!r} (run `make i18n`, translate it, "
                f"and clear its fuzzy flag)",
                location=node, type=WARNING_TYPE, subtype=SUBTYPE)


class ExerciseTitles(SphinxTransform):
    """Exercise titles translated like the rest of the page.

    sphinx-exercise 1.2 writes an exercise's title as its own word
    ("Exercise", from its catalogue) followed by the directive's
    argument in a subtitle node that carries no source, so the gettext
    builder never extracts the argument, and a translated edition read
    it as a message "연습A linear term" that no catalogue can hold.
    Here the generated titles are left to sphinx-exercise's catalogue
    and the subtitle, the author's words, is a message of its own."""

    default_priority = 15  # before Locale (20)

    def apply(self, **kwargs):
        from sphinx_exercise.nodes import (exercise_subtitle,
                                           exercise_title, solution_title)

        # A glued figure's image is made from the notebook at read time
        # but never versioned, so the gettext builder skips its alt.
        for image in self.document.findall(nodes.image):
            if image.get("alt") and not hasattr(image, "uid"):
                self.document.setdefault(EXTRA, []).append(
                    (image["alt"], image.source or self.document["source"],
                     image.line))
        for title in self.document.findall(
                lambda n: isinstance(n, (exercise_title, solution_title))):
            title["translatable"] = False
            for sub in title.findall(exercise_subtitle):
                sub["translatable"] = True
                sub.source = sub.source or title.parent.source
                sub.line = sub.line or title.parent.line
                sub.rawsource = sub.rawsource or _argument(sub) \
                    or sub.astext()
                self.document.setdefault(EXTRA, []).append(
                    (sub.rawsource, sub.source, sub.line))


# sphinx-exercise's post-transform rebuilds each exercise title without
# its source, so the gettext builder, which extracts from the resolved
# tree, would not see the subtitle that Locale translates at read time.
EXTRA = "bookbuild_i18n_messages"


def extract_exercise_titles(app, doctree, docname):
    """For the gettext builder: the subtitles, as messages."""
    if app.builder.name != "gettext":
        return
    for message, source, line in doctree.get(EXTRA, []):
        carrier = nodes.paragraph(message, message)
        carrier.source, carrier.line = source, line
        carrier.uid = ""  # the catalogue keeps only versioned nodes
        doctree += carrier


def _argument(node):
    """The argument of the directive on the node's source line."""
    try:
        line = Path(node.source).read_text(encoding="utf-8") \
            .splitlines()[node.line - 1]
    except (OSError, IndexError, TypeError):
        return ""
    found = DIRECTIVE_LINE.match(line)
    return found[1].strip() if found else ""


class TocCaptions(SphinxTransform):
    """The parts' captions in a translated edition.

    sphinx-external-toc inserts the table of contents (with the parts'
    captions, from _toc.yml) at priority 100, after Locale has
    translated the page, so the captions would stay English. The
    gettext builder extracts them with the root page's messages; here
    they are translated from that catalogue, and an untranslated one is
    a warning like any other message."""

    default_priority = 101  # after sphinx-external-toc's InsertToctrees

    def apply(self, **kwargs):
        from sphinx import addnodes

        language = self.config.language
        if language in (None, SOURCE) or self.app.builder.name == "gettext":
            return
        merged = _catalogue(self.env, self.config, language)
        for toctree in self.document.findall(addnodes.toctree):
            caption = toctree.get("caption")
            if not caption:
                continue
            if merged.get(caption):
                toctree["caption"] = merged[caption]
                toctree["rawcaption"] = merged[caption]
            elif caption not in merged.values():
                logger.warning(
                    f"untranslated part caption in "
                    f"{catalogue_path(language, self.env.docname)}: "
                    f"{caption!r} (run `make i18n` and translate it)",
                    location=toctree, type=WARNING_TYPE, subtype=SUBTYPE)


def _catalogue(env, config, language):
    """The page's translations, msgid -> msgstr."""
    domain = docname_to_domain(env.docname, config.gettext_compact)
    dirs = [str(Path(env.srcdir, d)) for d in config.locale_dirs]
    catalog, _ = init_locale(dirs, language, domain)
    merged = {}
    while catalog is not None:
        merged = {**getattr(catalog, "_catalog", {}), **merged}
        catalog = getattr(catalog, "_fallback", None)
    return merged


def _is_metadata(node):
    """Is node part of the page's front matter (jupytext, kernelspec)?
    Sphinx takes it out of the page after reading; it is no message."""
    while node is not None:
        if isinstance(node, (nodes.docinfo, nodes.field_list)):
            return True
        node = node.parent
    return False


def edition_links(app, pagename, templatename, context, doctree):
    """The other editions of this page, for the language switch."""
    here = app.config.language or SOURCE
    published = [SOURCE] + translated_languages(app.srcdir)
    depth = pagename.count("/")
    # From this page up to the root of its edition, then of the site.
    to_site = "../" * depth + "../" * EDITIONS[here][0].count("/")
    context["bookbuild_editions"] = [
        {"lang": lang, "name": name,
         "href": f"{to_site}{prefix}{pagename}.html"}
        for lang, (prefix, name) in EDITIONS.items()
        if lang != here and lang in published
    ]


def korean_search(app, config):
    """The Korean edition's search splitter (bookbuild.search_ko)."""
    if config.language == "ko":
        from sphinx.search import languages

        languages["ko"] = "bookbuild.search_ko.SearchKorean"


def forget_message_documents(app, doctree):
    """Bind every node of a translated page to the page's document.

    Sphinx parses each translated message as a document of its own and
    moves the nodes into the page; each node keeps a reference to the
    document it was parsed in, with that document's settings and
    substitutions. Pickled with the page, those documents made a
    Korean doctree about eight times the English one and about a
    hundred times slower to read back, which Sphinx does for every page
    several times. Nodes without a document of their own take their
    parent's.
    """
    for node in doctree.findall():
        if getattr(node, "_document", None) not in (None, doctree):
            node.document = None


def setup(app):
    app.setup_extension("bookbuild.translated_glue")
    app.connect("doctree-read", forget_message_documents, priority=900)
    app.add_transform(ExerciseTitles)
    app.add_transform(Untranslated)
    app.add_transform(TocCaptions)
    app.connect("doctree-resolved", extract_exercise_titles)
    app.connect("config-inited", korean_search)
    app.connect("html-page-context", edition_links)
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
