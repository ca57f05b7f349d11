"""bookbuild: how the book is made (build driver, Sphinx extensions, PDF).

Chapters never import it; `gradbook` is what readers read.

Every Sphinx warning a bookbuild extension gives has the type
``bookbuild`` and a subtype per feature (``tabs``, ``downloads``,
``redirects``, ``i18n``, ``pdf``), shown as ``[bookbuild.tabs]`` with
``show_warning_types``, so a book can silence one feature's with
``suppress_warnings: ["bookbuild.pdf"]``.
"""

#: the type of every Sphinx warning from bookbuild (subtype: the feature)
WARNING_TYPE = "bookbuild"
