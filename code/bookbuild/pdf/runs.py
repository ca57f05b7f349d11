"""Page layout, inline level: runs of text and math, broken into lines.

A paragraph is a list of runs: text in one font and size (DejaVu or
STIX faces, embedded) or a math box (vector glyphs).  Words are what
lies between spaces and never break, except a word wider than the
line (a long identifier in code font), cut where it must be; the
words are set greedily, as many on a line as fit.  A line is as high
as its tallest math needs.  :class:`.inline.RichParagraph` sets the
lines on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

from .fonts import FONTS, runs_of

_SPACE = re.compile(r"(\s+)")


@dataclass
class Run:
    """Text in one font; ``link`` is ("dest", name), ("url", u) or None."""

    text: str
    font: str
    size: float
    link: tuple | None = None

    @property
    def width(self) -> float:
        return stringWidth(self.text, self.font, self.size)


def text_runs(text: str, font: str, size: float,
              link: tuple | None = None) -> list:
    """Runs of ``text`` in ``font``, with fallback faces for the
    characters it lacks (see :func:`.fonts.runs_of`)."""
    return [Run(t, f, size, link) for t, f in runs_of(text, font)]


@dataclass
class MathRun:
    box: object                          # a mathbox.MathBox
    link: tuple | None = None

    @property
    def width(self) -> float:
        return self.box.width


@dataclass
class Line:
    words: list                          # each a list of runs
    gaps: list                           # the space after each word
    width: float                         # natural width
    above: float                         # baseline to the line's top
    below: float                         # baseline to the line's bottom
    last: bool                           # the paragraph's last line


def break_lines(runs, width: float, *, size: float, leading: float,
                end_mark: str | None = None) -> list[Line]:
    """The runs in lines at most ``width`` wide (but for a word that
    cannot be cut: math); ``end_mark`` (a proof's ∎) is a last word."""
    words, gaps = _fit_words(*_words(runs), width)
    if end_mark:
        words.append([Run(end_mark, FONTS["symbol"], size)])
        gaps.append(0.0)
    lines, start, natural = [], 0, 0.0
    for i, word in enumerate(words):
        w = sum(r.width for r in word)
        gap = gaps[i - 1] if i > start else 0.0
        if i > start and natural + gap + w > width:
            lines.append(_line(words, gaps, start, i, natural, size,
                               leading))
            start, natural = i, w
        else:
            natural += gap + w
    lines.append(_line(words, gaps, start, len(words), natural, size,
                       leading))
    lines[-1].last = True
    return lines


def _words(runs):
    """(word, space after it) pairs; a word never breaks."""
    words, gaps, current = [], [], []
    for run in runs:
        if isinstance(run, MathRun):
            current.append(run)
            continue
        for i, piece in enumerate(_SPACE.split(run.text)):
            if i % 2:                    # whitespace
                if current:
                    words.append(current)
                    gaps.append(stringWidth(" ", run.font, run.size))
                    current = []
                elif gaps:
                    gaps[-1] = max(gaps[-1],
                                   stringWidth(" ", run.font, run.size))
            elif piece:
                last = current[-1] if current else None
                if (isinstance(last, Run) and last.font == run.font
                        and last.size == run.size
                        and last.link == run.link):
                    current[-1] = Run(last.text + piece, run.font,
                                      run.size, run.link)
                else:
                    current.append(Run(piece, run.font, run.size,
                                       run.link))
    if current:
        words.append(current)
        gaps.append(0.0)
    return words, gaps


def _line(words, gaps, start, stop, natural, size, leading) -> Line:
    above, below = 0.78 * leading, 0.22 * leading
    for word in words[start:stop]:
        for run in word:
            if isinstance(run, MathRun):
                above = max(above, run.box.ascent + 0.18 * size)
                below = max(below, run.box.descent + 0.12 * size)
    return Line(words[start:stop], gaps[start:stop], natural,
                above, below, False)


def _fit_words(words, gaps, width):
    """Words wider than the line (a long identifier in code font) cut
    into pieces that fit, so nothing runs past the margin."""
    out_words, out_gaps = [], []
    for word, gap in zip(words, gaps):
        if sum(r.width for r in word) <= width or any(
                isinstance(r, MathRun) for r in word):
            out_words.append(word)
            out_gaps.append(gap)
            continue
        piece, used = [], 0.0
        for run in word:
            for char in run.text:
                w = stringWidth(char, run.font, run.size)
                if used + w > width and piece:
                    out_words.append(piece)
                    out_gaps.append(0.0)
                    piece, used = [], 0.0
                last = piece[-1] if piece else None
                if last is not None and (last.font, last.size, last.link) \
                        == (run.font, run.size, run.link):
                    piece[-1] = Run(last.text + char, run.font, run.size,
                                    run.link)
                else:
                    piece.append(Run(char, run.font, run.size, run.link))
                used += w
        out_words.append(piece)
        out_gaps.append(gap)
    return out_words, out_gaps
