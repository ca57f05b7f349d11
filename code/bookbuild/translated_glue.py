"""Glued values inside translated text (myst-nb's glue, translated).

Sphinx parses each translation as a small document of its own, with an
empty notebook of its own, in which myst-nb's glue roles and
directives find no value ("No key ... found in glue data for this
document").  myst-nb keeps the page's notebook only while it parses the
page, so :func:`patch_glue` notes each notebook renderer as it is made;
just before Locale, :class:`PageGlue` files the last one under the page,
and the glue look-up goes there when a translation's own notebook has
no such value.  A Sphinx extension, set up by :mod:`bookbuild.i18n`.
"""

from sphinx.transforms import SphinxTransform

# docname -> {"nb_renderer": the page's renderer}, while Locale runs
_PAGES = {}
# the notebook renderers made since the last page was filed
_MADE = []


class PageGlue(SphinxTransform):
    """The page's notebook renderer, filed under the page for Locale."""

    default_priority = 19  # just before Locale (20)

    def apply(self, **kwargs):
        if _MADE:
            _PAGES[self.env.docname] = {"nb_renderer": _MADE.pop()}
        _MADE.clear()


class PageGlueDone(SphinxTransform):
    """The page's notebook renderer forgotten once Locale is done."""

    default_priority = 21  # just after Locale

    def apply(self, **kwargs):
        _PAGES.pop(self.env.docname, None)


def _page_glue(retrieve):
    def glue_data(document, key):
        try:
            return retrieve(document, key)
        except Exception:
            env = getattr(document.settings, "env", None) \
                if hasattr(document, "settings") else None
            page = _PAGES.get(getattr(env, "docname", None))
            if page is None:
                raise
            return retrieve(page, key)
    glue_data.bookbuild_page_glue = True
    return glue_data


def _noting(load_renderer):
    def load(name):
        made = load_renderer(name)

        def make(*args, **kwargs):
            renderer = made(*args, **kwargs)
            _MADE.append(renderer)
            return renderer
        return make
    load.bookbuild_page_glue = True
    return load


def patch_glue():
    """myst-nb's glue roles and directives look up the page (above)."""
    import myst_nb.sphinx_ as nb_sphinx
    from myst_nb.ext.glue import directives, roles

    for module in (roles, directives):
        if not hasattr(module.retrieve_glue_data, "bookbuild_page_glue"):
            module.retrieve_glue_data = _page_glue(
                module.retrieve_glue_data)
    if not hasattr(nb_sphinx.load_renderer, "bookbuild_page_glue"):
        nb_sphinx.load_renderer = _noting(nb_sphinx.load_renderer)


def setup(app):
    from .pins import require

    require(__name__, "myst-nb")
    patch_glue()
    app.add_transform(PageGlue)
    app.add_transform(PageGlueDone)
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
