"""The words of a built PDF, read once per PDF by poppler's pdftotext.

Poppler takes tens of seconds over a whole book (every formula is drawn
as paths it walks), so each PDF is read once per test worker, with
`-bbox`: every word with its box, page by page. The text checks and the
margin check of the PDF tests all read this one result. Which
characters each font draws is read from the fonts themselves
(`pdf_characters`), without reading the pages' text.
"""

import functools
import re
import shutil
import subprocess
from html import unescape

import pytest

CMAP_CHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
CMAP_RANGE = re.compile(
    rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
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


def _mapped(cmap):
    """The characters a ToUnicode CMap maps its codes to."""
    chars = set()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for _, target in CMAP_CHAR.findall(block):
            chars.update(bytes.fromhex(target.decode()).decode("utf-16-be"))
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, first in CMAP_RANGE.findall(block):
            start = int(first, 16)
            chars.update(chr(start + i) for i in
                         range(int(high, 16) - int(low, 16) + 1))
    chars.discard("\x00")
    return chars


@functools.cache
def pdf_characters(path):
    """{font name: the characters its subset in the PDF draws}, from each
    font's ToUnicode map (the fonts of the pages and of their forms);
    a font without one is named with None."""
    from pypdf import PdfReader

    fonts, seen = {}, set()

    def walk(resources):
        resources = resources.get_object() if resources else {}
        for ref in (resources.get("/Font") or {}).values():
            fonts[ref.idnum] = ref.get_object()
        for ref in (resources.get("/XObject") or {}).values():
            form = ref.get_object()
            if ref.idnum not in seen and "/Resources" in form:
                seen.add(ref.idnum)
                walk(form["/Resources"])

    for page in PdfReader(path).pages:
        walk(page.get("/Resources"))
    out = {}
    for font in fonts.values():
        name = str(font["/BaseFont"]).lstrip("/")
        cmap = font.get("/ToUnicode")
        out[name] = None if cmap is None else \
            _mapped(cmap.get_object().get_data())
    return out
