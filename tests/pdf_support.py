"""The words of a built PDF, read once per PDF by poppler's pdftotext.

Poppler takes tens of seconds over a whole book (every formula is drawn
as paths it walks), so each PDF is read once per test worker, with
`-bbox`: every word with its box, page by page. The text checks and the
margin check of the PDF tests all read this one result.
"""

import functools
import re
import shutil
import subprocess
from html import unescape

import pytest

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" '
                  r'xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@functools.cache
def pdf_words(path):
    """Each page's words, in poppler's reading order, as tuples
    (x_min, y_min, x_max, y_max, word) in points from the top left."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: install poppler-utils")
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"],
                         check=True, capture_output=True, text=True,
                         timeout=300).stdout
    pages = out.split("<page ")[1:]
    return [[(float(x0), float(y0), float(x1), float(y1), unescape(word))
             for x0, y0, x1, y1, word in WORD.findall(page)]
            for page in pages]


def pdf_text(path):
    """Each page's text: its words, a space between two."""
    return [" ".join(word[-1] for word in page) for page in pdf_words(path)]
