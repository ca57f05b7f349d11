"""Every Sphinx warning from bookbuild has type "bookbuild" and a
subtype per feature, so a book can suppress `bookbuild.<feature>`."""

import ast
from pathlib import Path

import pytest

import bookbuild
from bookbuild import downloads, i18n, redirects, tabs
from bookbuild.pdf import sphinxext

CODE = Path(bookbuild.__file__).parent
FEATURES = {tabs: "tabs", downloads: "downloads", redirects: "redirects",
            i18n: "i18n", sphinxext: "pdf"}


def warning_calls(path):
    """The logger.warning(...) calls in the module at path."""
    tree = ast.parse(path.read_text())
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("warning", "error")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "logger"]


@pytest.mark.parametrize("path", sorted(CODE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(CODE)))
def test_every_warning_call_names_the_type_and_a_subtype(path):
    for call in warning_calls(path):
        keywords = {k.arg: k.value for k in call.keywords}
        where = f"{path.name}:{call.lineno}"
        assert isinstance(keywords.get("type"), ast.Name), where
        assert keywords["type"].id == "WARNING_TYPE", where
        assert "subtype" in keywords, where


@pytest.mark.parametrize("module", FEATURES, ids=lambda m: m.__name__)
def test_each_feature_has_its_subtype_under_bookbuild(module):
    assert bookbuild.WARNING_TYPE == "bookbuild"
    assert module.WARNING_TYPE is bookbuild.WARNING_TYPE
    assert module.SUBTYPE == FEATURES[module]
    assert warning_calls(Path(module.__file__)), module.__name__


def test_a_pdf_warning_is_a_bookbuild_pdf_warning(monkeypatch):
    seen = []
    monkeypatch.setattr(sphinxext.logger, "warning",
                        lambda *args, **kwargs: seen.append(kwargs))
    sphinxext._warn("cannot lay out \\foo", None)
    assert seen == [{"location": None, "type": "bookbuild",
                     "subtype": "pdf"}]
