"""bookbuild: how the book is made (build driver, Sphinx extensions, PDF).

Chapters never import it; `gradbook` is what readers read.
"""
