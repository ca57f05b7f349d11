"""What the tests that build throw-away books share."""

# The jupytext front matter of every chapter (as in book/intro.md).
FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---
"""
