"""The proofs PDF, exported from the fixture book in tests/fixtures/proofs.

What the source parser finds must be what the PDF shows: every block,
in order, with its number and title, in the text and in the outline.
The PDF is self-contained (fonts embedded, no raster images), carries
its metadata, and is byte-identical from the same sources.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from bookbuild.proofs import PDF_NAME, ProofsSourceError, export, mathbox
from bookbuild.proofs.export import date_of, version_of
from bookbuild.proofs.source import load_book, plain

FIXTURE = Path(__file__).parent / "fixtures" / "proofs"
EPOCH = "1700000000"                       # 14 November 2023, UTC


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A copy of the fixture book outside git: its version is then
    "unversioned" while others commit to the working tree."""
    root = tmp_path_factory.mktemp("source") / "book"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, source):
    """The fixture book's PDF, exported once for the module."""
    out = tmp_path_factory.mktemp("proofs") / "proofs.pdf"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = export(source, out)
    return result


@pytest.fixture(scope="module")
def reader(pdf):
    return PdfReader(pdf.path)


@pytest.fixture(scope="module")
def book():
    return load_book(FIXTURE)


def page_texts(reader):
    return [page.extract_text() for page in reader.pages]


def flat_outline(items, level=0):
    for item in items:
        if isinstance(item, list):
            yield from flat_outline(item, level + 1)
        else:
            yield level, item.title


def expected_heads(book):
    """The run-in head of every block, as the source parser numbers it."""
    for chapter in book.chapters:
        for block in chapter.blocks:
            if block.kind == "proof":
                yield "Proof."
            elif block.title:
                yield f"{block.name} ({plain(block.title)})."
            else:
                yield f"{block.name}."


# ---- what the parser finds --------------------------------------------

def test_parser_numbers_blocks_like_sphinx_proof(book):
    # per type, across the whole book, in toc order; :nonumber: and
    # proofs have none (checked against the built website in
    # test_proofs_site.py)
    names = [b.name for c in book.chapters for b in c.blocks]
    assert names == [
        "Definition 1", "Definition 2", "Theorem 1", "Proof", "Example 1",
        "Remark", "Definition 3", "Lemma 1", "Proof", "Theorem 2",
        "Corollary 1", "Remark 1"]
    assert [c.equations for c in book.chapters] == [[1, 2, 3, 4], [5, 6]]


def test_parser_keeps_headings_labels_and_lines(book):
    theorem = book.proofs["thm-quadform-gradient"]
    assert theorem.line == 49
    assert theorem.path == FIXTURE / "chapters" / "quadratic.md"
    assert [plain(h.inlines) for h in theorem.headings] == ["The theorem"]
    example = book.proofs["ex-seed"]
    assert [plain(h.inlines) for h in example.headings] == [
        "The theorem", "A worked example"]
    assert book.equations["eq-quadform-gradient"] == [
        3, "chapters/quadratic", True]
    assert book.equations["eq-outside"] == [2, "chapters/quadratic", False]


# ---- the PDF ------------------------------------------------------------

def test_every_block_appears_in_order_with_number_and_title(
        book, reader):
    # pypdf breaks lines between separately drawn words: compare the
    # text without any whitespace
    text = "".join("".join(t.split()) for t in page_texts(reader))
    position = 0
    for head in expected_heads(book):
        found = text.find("".join(head.split()), position)
        assert found >= 0, f"{head!r} missing, or out of order"
        position = found + len(head)


def test_outline_has_chapters_and_numbered_blocks(book, reader):
    expected = []
    for chapter in book.chapters:
        expected.append((0, plain(chapter.title)))
        for block in chapter.blocks:
            if block.kind != "proof":
                title = f" ({plain(block.title)})" if block.title else ""
                expected.append((1, block.name + title))
    assert list(flat_outline(reader.outline)) == expected


def test_equation_numbers_inside_proofs_are_printed(reader):
    text = " ".join(page_texts(reader))
    for number in ("(1)", "(3)", "(4)", "(5)", "(6)"):
        assert number in text
    # (2) is outside every proof block: the PDF has no such display
    assert not re.search(r"\(2\)", text)


def test_math_is_searchable_as_latex(reader):
    text = " ".join(page_texts(reader))
    assert r"\nabla f(x) = (A + A^\top)\, x ," in text
    assert r"\begin{bmatrix} 1 & 2 \\ 2 & 3 \end{bmatrix}" in text
    contents = b"".join(page.get_contents().get_data()
                        for page in reader.pages)
    assert b"3 Tr" in contents             # invisible text render mode


def test_page_x_of_y_and_title_page(pdf, reader):
    texts = [" ".join(t.split()) for t in page_texts(reader)]
    n = len(reader.pages)
    assert pdf.pages == n >= 3
    for i, text in enumerate(texts[1:], start=2):
        assert f"page {i} of {n}" in text
    assert "Proofs Fixture Book" in texts[0]
    assert "14 November 2023" in texts[0]
    assert "Version unversioned" in texts[0]       # not in a git tree


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, text=True,
                          capture_output=True).stdout.strip()


def test_version_and_date_come_from_git_not_the_clock(tmp_path,
                                                      monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    git(root, "init", "-q")
    git(root, "add", ".")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-02-29T12:00:00+00:00")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.org",
        "commit", "-q", "-m", "fixture")
    head = git(root, "rev-parse", "--short", "HEAD")
    assert version_of(root) == head
    assert date_of(root) == "29 February 2024"
    (root / "intro.md").write_text("# Changed\n")
    assert version_of(root) == f"{head}-dirty"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert date_of(root) == "14 November 2023"
    assert date_of(tmp_path) == "14 November 2023"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert (version_of(tmp_path), date_of(tmp_path)) == (
        "unversioned", "undated")


def test_metadata(reader):
    meta = reader.metadata
    assert meta.title == "Proofs Fixture Book: the proofs"
    assert meta.author == "The fixture authors"
    assert "theorem and proof" in meta.subject
    assert "proofs" in meta["/Keywords"]


def _fonts_and_images(resources, seen, fonts, images, forms):
    if resources is None:
        return
    for font in (resources.get("/Font") or {}).values():
        fonts.append(font.get_object())
    for name, ref in (resources.get("/XObject") or {}).items():
        assert isinstance(ref, IndirectObject)
        forms.setdefault(str(name), set()).add(ref.idnum)
        if ref.idnum in seen:
            continue
        seen.add(ref.idnum)
        xobject = ref.get_object()
        if xobject["/Subtype"] == "/Image":
            images.append(xobject)
        else:
            _fonts_and_images(xobject.get("/Resources"), seen, fonts,
                              images, forms)


@pytest.fixture(scope="module")
def resources(reader):
    seen, fonts, images, forms = set(), [], [], {}
    for page in reader.pages:
        _fonts_and_images(page.get("/Resources"), seen, fonts, images,
                          forms)
    return fonts, images, forms


def test_every_font_is_embedded(resources):
    fonts, _, _ = resources
    assert fonts
    for font in fonts:
        descendant = font.get("/DescendantFonts")
        target = descendant[0].get_object() if descendant else font
        descriptor = target["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]


def test_no_raster_images_and_glyphs_defined_once(pdf, resources):
    _, images, forms = resources
    assert images == []
    assert not re.search(rb"/Subtype\s*/Image", pdf.path.read_bytes())
    glyphs = {name: ids for name, ids in forms.items()
              if name.startswith("/FormXob.zm_")}
    assert len(glyphs) > 30
    # every page that uses a glyph uses the one form that defines it
    assert all(len(ids) == 1 for ids in glyphs.values())


def _where(reader, dest):
    """(page index, top) of an explicit destination [page /XYZ x y z]."""
    return reader.get_page_number(dest[0].get_object()), round(
        float(dest[3]), 2)


def _links(reader):
    """(page, kind, target) of every link; an internal target is the
    (page, top) it jumps to, a URL its text."""
    for number, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if action is not None and "/URI" in action:
                yield number, "url", str(action["/URI"])
            else:
                yield number, "dest", _where(reader, annot["/Dest"])


def _outline_targets(reader, items=None):
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            yield from _outline_targets(reader, item)
        else:
            page = reader.get_destination_page_number(item)
            yield item.title, (page, round(float(item.top), 2))


def test_references_link_to_their_targets(reader):
    links = list(_links(reader))
    internal = [target for _, kind, target in links if kind == "dest"]
    urls = {target for _, kind, target in links if kind == "url"}
    pages = len(reader.pages)
    for page, top in internal:
        assert 0 <= page < pages and 0 < top < 842
    outline = dict(_outline_targets(reader))
    # {prf:ref} (twice), {doc}: to the block's or chapter's own place
    for title in ("Theorem 1 (Gradient of a quadratic form)",
                  "Lemma 1 (Gradient with respect to the weights)",
                  "The gradient of a quadratic form"):
        assert outline[title] in internal, title
    # {eq} (three links) and {ref} go somewhere in the PDF too
    assert len(internal) >= 9
    # chapter titles link to their web pages, relative to the PDF
    assert {"chapters/quadratic.html", "chapters/layers.html"} <= urls


def test_chapter_links_are_absolute_with_a_base_url(source, tmp_path):
    base = "https://gradients.example.org/book/"
    result = export(source, tmp_path / "based.pdf", baseurl=base)
    reader = PdfReader(result.path)
    urls = {target for _, kind, target in _links(reader) if kind == "url"}
    assert {base + "chapters/quadratic.html",
            base + "chapters/layers.html", base} <= urls
    assert base in reader.pages[0].extract_text()


def test_byte_identical_over_two_runs(pdf, source, tmp_path,
                                      monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = export(source, tmp_path / "again.pdf")
    assert again.path.read_bytes() == pdf.path.read_bytes()


def test_parallel_math_layout_gives_the_same_pdf(pdf, source, tmp_path,
                                                 monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setattr(mathbox, "PARALLEL_MIN", 1)
    monkeypatch.setattr(mathbox, "_LAID_OUT", {})
    monkeypatch.setattr(mathbox.os, "cpu_count", lambda: 2)
    again = export(source, tmp_path / "parallel.pdf")
    assert again.path.read_bytes() == pdf.path.read_bytes()


def test_math_cache_is_used_and_changes_nothing(pdf, source, tmp_path,
                                                monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    cache = tmp_path / "math.pickle"
    monkeypatch.setattr(mathbox, "_LAID_OUT", {})
    first = export(source, tmp_path / "first.pdf", cache=cache)
    assert cache.exists()

    def no_ziamath(*args):
        raise AssertionError(f"laid out again: {args}")
    monkeypatch.setattr(mathbox, "_LAID_OUT", {})
    monkeypatch.setattr(mathbox, "_layout", no_ziamath)
    second = export(source, tmp_path / "second.pdf", cache=cache)
    assert first.path.read_bytes() == second.path.read_bytes() == (
        pdf.path.read_bytes())
    # a cache from another format or ziamath is ignored, not trusted
    monkeypatch.setattr(mathbox, "CACHE_FORMAT", mathbox.CACHE_FORMAT + 1)
    monkeypatch.setattr(mathbox, "_LAID_OUT", {})
    with pytest.raises(AssertionError, match="laid out again"):
        export(source, tmp_path / "third.pdf", cache=cache)


def test_export_is_fast(pdf):
    assert pdf.seconds < 3.0


# ---- bad input ----------------------------------------------------------

def broken_copy(tmp_path, old, new):
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    chapter = root / "chapters" / "quadratic.md"
    text = chapter.read_text()
    assert old in text
    chapter.write_text(text.replace(old, new, 1))
    return root, chapter


@pytest.mark.parametrize("old, new, line, message", [
    ("{prf:theorem} Gradient of a quadratic form",
     "{prf:theorm} Gradient of a quadratic form", 49,
     r"unknown directive kind 'prf:theorm'"),
    ("which is $2Ax$ when", "which is $2Ax when", 59, r"unbalanced \$"),
    (r"$f(x) = x^\top A x$ is", r"$f(x) = \frac{x^\top A x$ is", 53,
     r"cannot lay out LaTeX"),
    (r"$f(x) = x^\top A x$ is", r"$f(x) = \xtop A x$ is", 53,
     r"unknown command \\xtop"),
    ("{prf:ref}`the theorem\n<thm-quadform-gradient>`",
     "{prf:ref}`the theorem\n<thm-missing>`", 83,
     r"target 'thm-missing' not found"),
])
def test_bad_input_names_file_and_line(tmp_path, old, new, line, message):
    root, chapter = broken_copy(tmp_path, old, new)
    with pytest.raises(ProofsSourceError,
                       match=rf"^{re.escape(str(chapter))}:{line}: "
                             rf".*{message}"):
        export(root, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "bookbuild.proofs", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_fails_and_keeps_the_previous_pdf(tmp_path):
    root, chapter = broken_copy(tmp_path, "which is $2Ax$ when",
                                "which is $2Ax when")
    out = tmp_path / "proofs.pdf"
    out.write_bytes(b"%PDF- the previous export")
    done = run_cli("--root", str(root), "--out", str(out))
    assert done.returncode == 1
    assert f"{chapter}:59: unbalanced $" in done.stderr
    assert out.read_bytes() == b"%PDF- the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [
        "proofs.pdf"]                       # no temporary file left


def test_cli_writes_the_default_path(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    done = run_cli("--root", str(root))
    assert done.returncode == 0, done.stderr
    out = root / "_build" / "html" / PDF_NAME
    assert PdfReader(out).pages
    assert (root / "_build" / ".proofs-math.pickle").exists()
    assert f"wrote {out}" in done.stdout


# ---- rendering ------------------------------------------------------------

REFERENCE = FIXTURE / "reference-page2.png"


def rasterise(pdf_path, page, dpi, out_dir):
    """One page as a grayscale PIL image, through poppler's pdftoppm."""
    Image = pytest.importorskip("PIL.Image")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing: install poppler-utils "
                    "(apt-get install poppler-utils) to check rendering")
    stem = out_dir / f"page{page}"
    subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(dpi), "-f",
                    str(page), "-l", str(page), "-singlefile",
                    str(pdf_path), str(stem)], check=True, timeout=60)
    return Image.open(f"{stem}.png").convert("L")


def mean_abs_difference(a, b):
    """Mean absolute difference of two grayscale images, 0 to 255."""
    assert a.size == b.size, (a.size, b.size)
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


def test_first_page_is_not_blank(pdf, tmp_path):
    image = rasterise(pdf.path, 1, 30, tmp_path)
    dark = int((np.asarray(image) < 128).sum())
    assert dark > 200                      # a blank page has none


def test_theorem_page_matches_the_reference_rendering(pdf, tmp_path):
    """Page 2 (two definitions, Theorem 1, its proof) against the
    committed rendering, made by this same call:
    pdftoppm -gray -png -r 40 -f 2 -l 2 -singlefile PDF reference-page2
    """
    page = rasterise(pdf.path, 2, 40, tmp_path)
    reference = rasterise_reference()
    assert mean_abs_difference(page, reference) < 2.0
    # the tolerance tells pages apart: another page is far off
    other = rasterise(pdf.path, 4, 40, tmp_path)
    assert mean_abs_difference(other, reference) > 8.0


def rasterise_reference():
    from PIL import Image
    return Image.open(REFERENCE).convert("L")
