"""The PDFs of the fixture book (tests/fixtures/proofs), built with it.

The fixture is built once with Jupyter Book, as strictly as the real
book (-W -n --keep-going); bookbuild.pdf.sphinxext then writes the book
PDF and the proofs PDF from Sphinx's resolved doctrees.  Every number
the PDFs print must be the number the HTML pages print; the outline,
links, fonts, metadata and bytes are checked; bad input fails the
build at its file and line and keeps the previous PDFs.
"""

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from bookbuild.pdf import BOOK_PDF_NAME, PDF_NAME
from bookbuild.pdf.export import date_of, version_of

FIXTURE = Path(__file__).parent / "fixtures" / "proofs"
CHAPTERS = ["chapters/quadratic", "chapters/layers"]    # _toc.yml order
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
slow = pytest.mark.slow  # these build the fixture book
EPOCH = "1700000000"                       # 14 November 2023, UTC


def build(source: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(source), "--path-output", str(out),
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A copy outside git: its version is then "unversioned" while
    others commit to the working tree."""
    root = tmp_path_factory.mktemp("source") / "book"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory, source):
    out = tmp_path_factory.mktemp("site")
    done = build(source, out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "WARNING" not in done.stdout + done.stderr
    return out / "_build"


@pytest.fixture(scope="module")
def site(built):
    return built / "html"


@pytest.fixture(scope="module")
def proofs(site):
    return PdfReader(site / PDF_NAME)


@pytest.fixture(scope="module")
def book(site):
    return PdfReader(site / BOOK_PDF_NAME)


def squeeze(text: str) -> str:
    return "".join(text.split())


def text_of(reader) -> str:
    """The PDF's text without whitespace (pypdf breaks lines between
    separately drawn words)."""
    return "".join(squeeze(page.extract_text()) for page in reader.pages)


def flat_outline(items, level=0):
    for item in items:
        if isinstance(item, list):
            yield from flat_outline(item, level + 1)
        else:
            yield level, item.title


# ---- what the pages print -------------------------------------------------

def captions(html: str):
    """Block heads as the page shows them: "Theorem 1 (Title)", "Remark"."""
    heads = []
    for match in re.finditer(
            r'<div class="proof (\w+) admonition" id="[^"]*">\s*'
            r'<p class="admonition-title"[^>]*>(.*?)</p>', html, re.S):
        kind, title = match.groups()
        number = re.search(r'<span class="caption-number">(\w+) (\d+) ',
                           title)
        name = f"{number[1]} {number[2]}" if number else kind.title()
        extra = re.search(r"\(([^<]*)\)\s*$", unescape(
            re.sub(r"<[^>]+>", "", title)).strip())
        heads.append((name, extra[1] if extra else None))
    return heads


def equation_numbers(html: str) -> dict:
    """label -> the number the page prints beside that display."""
    return {label: number for label, number in re.findall(
        r'id="equation-([\w-]+)">\s*<span class="eqno">\((\d+)\)', html)}


def page(site, docname):
    return (site / f"{docname}.html").read_text()


# ---- numbers: the PDFs print Sphinx's ---------------------------------

@slow
def test_both_pdfs_are_published_next_to_the_pages(site):
    for name in (PDF_NAME, BOOK_PDF_NAME):
        assert (site / name).read_bytes().startswith(b"%PDF-")


@slow
def test_every_block_has_the_number_sphinx_assigned_in_order(
        site, proofs, book):
    heads = [h for d in CHAPTERS for h in captions(page(site, d))]
    assert [n for n, _ in heads] == [
        "Definition 1", "Definition 2", "Theorem 1", "Example 1", "Remark",
        "Definition 3", "Lemma 1", "Theorem 2", "Corollary 1", "Remark 1"]
    for reader in (proofs, book):
        text, position = text_of(reader), 0
        for name, title in heads:
            head = squeeze(name + (f" ({title})" if title else "") + ".")
            found = text.find(head, position)
            assert found >= 0, f"{head!r} missing, or out of order"
            position = found + len(head)


@slow
def test_equation_numbers_are_sphinx_numbers(site, proofs, book):
    numbers = {}
    for docname in CHAPTERS:
        numbers.update(equation_numbers(page(site, docname)))
    assert sorted(numbers.values()) == ["1", "2", "3", "4", "5", "6"]
    book_text, proofs_text = text_of(book), text_of(proofs)
    for label, number in numbers.items():
        assert f"({number})" in book_text, label
        # one display is outside every proof block: not in the proofs
        assert (f"({number})" in proofs_text) == (label != "eq-outside")


@slow
def test_references_print_what_the_pages_print(site, book):
    html = unescape(page(site, "chapters/layers"))
    assert 'quadratic.html#thm-quadform-gradient">Theorem 1</a>' in html
    assert '#equation-eq-quadform-gradient">(3)</a>' in html
    text = text_of(book)
    assert "Theorem1" in text and "(3)" in text and "Lemma1" in text


# ---- structure ------------------------------------------------------------

@slow
def test_outlines(proofs, book):
    assert list(flat_outline(book.outline)) == [
        (0, "Proofs Fixture Book"),
        (0, "The gradient of a quadratic form"), (1, "Definitions"),
        (1, "The theorem"), (2, "A worked example"),
        (0, "Dense layers"), (1, "The forward pass"),
        (1, "Its gradients"), (1, "Notes")]
    assert list(flat_outline(proofs.outline)) == [
        (0, "The gradient of a quadratic form"), (1, "Definitions"),
        (2, "Definition 1 (Quadratic form)"),
        (2, "Definition 2 (Gradient)"), (1, "The theorem"),
        (2, "Theorem 1 (Gradient of a quadratic form)"),
        (2, "A worked example"), (3, "Example 1 (The seed example)"),
        (3, "Remark"),
        (0, "Dense layers"), (1, "The forward pass"),
        (2, "Definition 3 (Dense layer)"), (1, "Its gradients"),
        (2, "Lemma 1 (Gradient with respect to the weights)"),
        (2, "Theorem 2 (Backpropagation through a layer)"),
        (2, "Corollary 1 (Two layers)"), (1, "Notes"),
        (2, "Remark 1 (On shapes)")]


@slow
def test_proofs_keep_only_proof_blocks(proofs, book):
    prose = "This paragraph is prose outside any proof block"
    assert squeeze(prose) in text_of(book)
    assert squeeze(prose) not in text_of(proofs)


@slow
def test_math_is_searchable_as_latex(proofs):
    text = " ".join(p.extract_text() for p in proofs.pages)
    assert r"\nabla f(x) = (A + A^\top)\, x ," in text
    assert r"\begin{bmatrix} 1 & 2 \\ 2 & 3 \end{bmatrix}" in text
    contents = b"".join(p.get_contents().get_data() for p in proofs.pages)
    assert b"3 Tr" in contents             # invisible text render mode


@slow
def test_page_x_of_y_title_page_and_contents(proofs, book):
    for reader in (proofs, book):
        texts = [" ".join(t.extract_text().split()) for t in reader.pages]
        n = len(reader.pages)
        for i, text in enumerate(texts[1:], start=2):
            assert f"page {i} of {n}" in text
        assert "Proofs Fixture Book" in texts[0]
        assert "14 November 2023" in texts[0]
        assert "Version unversioned" in texts[0]       # not in a git tree
    # the book's contents give each chapter's page
    first = " ".join(book.pages[0].extract_text().split())
    outline = {item.title: book.get_destination_page_number(item) + 1
               for item in book.outline if not isinstance(item, list)}
    for title, number in outline.items():
        assert re.search(rf"{re.escape(title)} [. ]*{number}\b", first), \
            title


@slow
def test_metadata(proofs, book):
    assert proofs.metadata.title == "Proofs Fixture Book: proofs"
    assert book.metadata.title == "Proofs Fixture Book"
    for reader in (proofs, book):
        assert reader.metadata.author == "The fixture authors"
        assert "gradients" in reader.metadata["/Keywords"]
    assert "theorem and proof" in proofs.metadata.subject


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
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert (version_of(tmp_path), date_of(tmp_path)) == (
        "unversioned", "undated")


# ---- self-contained, linked ---------------------------------------------

def _resources(reader):
    seen, fonts, images, forms = set(), [], [], {}

    def visit(resources):
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
                visit(xobject.get("/Resources"))
    for p in reader.pages:
        visit(p.get("/Resources"))
    return fonts, images, forms


@slow
def test_every_font_is_embedded_and_text_is_stix(proofs, book):
    for reader in (proofs, book):
        fonts, _, _ = _resources(reader)
        names = set()
        for font in fonts:
            names.add(str(font["/BaseFont"]).split("+")[-1])
            descendant = font.get("/DescendantFonts")
            target = descendant[0].get_object() if descendant else font
            descriptor = target["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
        assert {"STIXTwoText-Regular", "STIXTwoText-Bold"} <= names


@slow
def test_math_is_vector_glyphs_each_defined_once(proofs):
    _, images, forms = _resources(proofs)
    assert images == []
    glyphs = {n: ids for n, ids in forms.items()
              if n.startswith("/FormXob.zm_")}
    assert len(glyphs) > 30
    assert all(len(ids) == 1 for ids in glyphs.values())


def _links(reader):
    for number, p in enumerate(reader.pages):
        for annot in p.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if action is not None and "/URI" in action:
                yield number, "url", str(action["/URI"])
            else:
                dest = annot["/Dest"]
                yield number, "dest", (reader.get_page_number(
                    dest[0].get_object()), round(float(dest[3]), 2))


def _outline_targets(reader, items=None):
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            yield from _outline_targets(reader, item)
        else:
            yield item.title, (reader.get_destination_page_number(item),
                               round(float(item.top), 2))


@slow
def test_internal_links_land_on_their_targets(proofs, book):
    for reader in (proofs, book):
        links = list(_links(reader))
        internal = [t for _, kind, t in links if kind == "dest"]
        pages = len(reader.pages)
        assert len(internal) >= 9
        for page_index, top in internal:
            assert 0 <= page_index < pages and 0 < top < 842
    # {prf:ref} to the block's own place, {doc} to the chapter's
    outline = dict(_outline_targets(proofs))
    internal = {t for _, kind, t in _links(proofs) if kind == "dest"}
    for title in ("Theorem 1 (Gradient of a quadratic form)",
                  "Lemma 1 (Gradient with respect to the weights)"):
        assert outline[title] in internal, title
    urls = {t for _, kind, t in _links(proofs) if kind == "url"}
    assert {"chapters/quadratic.html", "chapters/layers.html"} <= urls


@slow
def test_role_links_to_the_pdfs_from_any_page(site):
    for which, name in (("proofs", PDF_NAME), ("book", BOOK_PDF_NAME)):
        for docname, href in (("intro", name),
                              ("chapters/quadratic", f"../{name}")):
            html = page(site, docname)
            links = re.findall(
                rf'<a class="{which}-pdf reference external" '
                r'href="([^"]+)">([^<]+)</a>', html)
            if docname == "intro" or which == "proofs":
                assert links, (which, docname)
            assert all(h == href for h, _ in links), (docname, links)


# ---- bytes, the command line, failures ------------------------------------

def run_cli(*args):
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    return subprocess.run([sys.executable, "-m", "bookbuild.pdf", *args],
                          capture_output=True, text=True, timeout=300,
                          env=env)


@slow
def test_the_command_line_writes_the_same_bytes_twice(source, built,
                                                      tmp_path):
    for out in (tmp_path / "a", tmp_path / "b"):
        done = run_cli("--root", str(source), "--build", str(built),
                       "--out", str(out))
        assert done.returncode == 0, done.stderr
        for name in (PDF_NAME, BOOK_PDF_NAME):
            assert (out / name).read_bytes() == (
                built / "html" / name).read_bytes(), name


def test_the_command_line_needs_a_built_book(tmp_path):
    done = run_cli("--root", str(tmp_path))
    assert done.returncode == 1
    assert "run `make book` first" in done.stderr


@slow
def test_bad_math_fails_the_build_and_keeps_the_previous_pdfs(tmp_path):
    source = tmp_path / "book"
    shutil.copytree(FIXTURE, source)
    chapter = source / "chapters" / "quadratic.md"
    text = chapter.read_text()
    old = r"$f(x) = x^\top A x$ is"
    assert old in text
    chapter.write_text(text.replace(old, r"$f(x) = \xtop A x$ is", 1))
    html = tmp_path / "out" / "_build" / "html"
    html.mkdir(parents=True)
    for name in (PDF_NAME, BOOK_PDF_NAME):
        (html / name).write_bytes(b"%PDF- the previous export")
    done = build(source, tmp_path / "out")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(rf"{re.escape(str(chapter))}:\d+: WARNING: PDF: "
                     r"cannot lay out LaTeX .*unknown command \\xtop",
                     output), output[-3000:]
    for name in (PDF_NAME, BOOK_PDF_NAME):
        assert (html / name).read_bytes() == b"%PDF- the previous export"
    assert not [p for p in html.iterdir() if p.name.endswith(".tmp")]


# ---- rendering ------------------------------------------------------------

REFERENCE = FIXTURE / "reference-page2.png"


def rasterise(pdf_path, page_number, dpi, out_dir):
    """One page as a grayscale PIL image, through poppler's pdftoppm."""
    Image = pytest.importorskip("PIL.Image")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing: install poppler-utils")
    stem = out_dir / f"page{page_number}"
    subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(dpi), "-f",
                    str(page_number), "-l", str(page_number),
                    "-singlefile", str(pdf_path), str(stem)], check=True,
                   timeout=60)
    return Image.open(f"{stem}.png").convert("L")


def mean_abs_difference(a, b):
    assert a.size == b.size, (a.size, b.size)
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


@slow
def test_theorem_page_matches_the_reference_rendering(site, tmp_path):
    """Page 2 of the proofs PDF (two definitions, Theorem 1, its proof)
    against the committed rendering, made by this same call:
    pdftoppm -gray -png -r 40 -f 2 -l 2 -singlefile PDF reference-page2
    """
    from PIL import Image
    reference = Image.open(REFERENCE).convert("L")
    assert mean_abs_difference(
        rasterise(site / PDF_NAME, 2, 40, tmp_path), reference) < 2.0
    # the tolerance tells pages apart: another page is far off
    assert mean_abs_difference(
        rasterise(site / PDF_NAME, 4, 40, tmp_path), reference) > 8.0


# ---- math layout --------------------------------------------------------

@pytest.mark.parametrize("latex", [
    r"\bigl\langle g - p, \ \dot z \bigr\rangle",
    r"\Bigl\lVert x \Bigr\rVert", r"\big\lfloor x \big\rfloor",
    r"\begin{bmatrix} 1 & 2 \\ 2 & 3 \end{bmatrix}",
    r"\begin{aligned} f &= x^\top A x \\ &= 21 \end{aligned}",
])
def test_math_the_chapters_write_is_laid_out(latex):
    from bookbuild.pdf import mathcache
    box = mathcache.layout(latex, 10.5, True)
    assert box.width > 0 and box.glyphs
    assert box.latex == " ".join(latex.split())      # searchable as written


def test_unknown_latex_is_refused_with_its_name():
    from bookbuild.pdf import mathcache, mathlayout
    with pytest.raises(mathlayout.MathLayoutError,
                       match=r"unknown command \\xtop"):
        mathcache.layout(r"f(x) = \xtop A x", 10.5, False)


def test_the_fast_style_reading_lays_out_the_same_boxes():
    """mathlayout puts a faster parse_style into ziamath: same boxes."""
    from bookbuild.pdf import mathlayout, ziastyles
    latex = [r"\nabla f(x) = (A + A^\top) x",
             r"\begin{bmatrix} 1 & 2 \\ 2 & 3 \end{bmatrix}",
             r"\frac{\partial L}{\partial W} = X^\top \delta",
             r"\mathbf{x}_{k+1} = x_k - \eta \nabla f"]
    assert ziastyles.FAST_STYLES
    fast = [mathlayout.typeset(t, 10.5, d) for t in latex for d in (0, 1)]
    ziastyles._set_parse_style(ziastyles.ZIAMATH_PARSE_STYLE)
    try:
        own = [mathlayout.typeset(t, 10.5, d) for t in latex for d in (0, 1)]
    finally:
        ziastyles._set_parse_style(ziastyles._parse_style)
    assert fast == own


def test_collecting_lists_the_math_and_lays_out_nothing():
    from bookbuild.pdf import mathcache
    with mathcache.collecting() as keys:
        box = mathcache.layout(r"\xtop y", 10.5, False)
    assert keys == [(r"\xtop y", 10.5, False)] and not box.glyphs
