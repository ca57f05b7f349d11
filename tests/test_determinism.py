"""Two clean builds of the book give identical executed notebooks.

`make test` has just built the book into `_build`. This test copies the
sources (no `_build`, no `.venv`) to a temporary directory, builds them
from scratch there, and compares every executed notebook cell by cell.
Any unseeded random number, timing, memory address or dictionary-order
accident in a chapter shows up here as a difference.
"""

import io
import json
import shutil
import subprocess

import nbformat
import pytest
from jupyter_cache import get_cache

from bookbuild import build


def source_files(root):
    """Tracked files and new files git does not ignore, relative paths."""
    listing = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout
    return [p for p in listing.split("\0") if p and (root / p).is_file()]


def merged(outputs):
    """Outputs with consecutive stream outputs of one stream joined.

    ipykernel flushes stdout on a timer, so one print may arrive as one
    output or two; the site merges them (nb_merge_streams), and so does
    this comparison.
    """
    result = []
    for out in outputs:
        if (out.get("output_type") == "stream" and result
                and result[-1].get("output_type") == "stream"
                and result[-1]["name"] == out["name"]):
            result[-1] = dict(result[-1], text="".join(result[-1]["text"])
                              + "".join(out["text"]))
        elif out.get("output_type") == "stream":
            result.append(dict(out, text="".join(out["text"])))
        else:
            result.append(out)
    return result


def cells(notebook_path, cache_path):
    """The code cells of an executed notebook: source and outputs.

    When a chapter came from the execution cache, myst-nb writes its
    notebook without outputs; they are taken from the cache, as the
    site's downloads do.
    """
    nb = nbformat.read(notebook_path, as_version=4)
    _, nb = get_cache(str(cache_path)).merge_match_into_notebook(nb)
    return [
        {"source": c["source"], "outputs": merged(c.get("outputs", []))}
        for c in nb["cells"] if c["cell_type"] == "code"
    ]


@pytest.mark.slow
def test_a_clean_rebuild_executes_to_identical_outputs(
        repo_root, built_html, tmp_path):
    first = repo_root / "_build" / "jupyter_execute"
    notebooks = sorted(first.rglob("*.ipynb"))
    assert notebooks, f"no executed notebooks under {first}"

    clone = tmp_path / "clone"
    for rel in source_files(repo_root):
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo_root / rel, clone / rel)
    log = io.StringIO()
    assert build.build(clone, out=log) == 0, log.getvalue()[-5000:]

    second = clone / "_build" / "jupyter_execute"
    differences = []
    for nb in notebooks:
        rel = nb.relative_to(first)
        ours = cells(nb, repo_root / "_build" / ".jupyter_cache")
        theirs = cells(second / rel, clone / "_build" / ".jupyter_cache")
        assert len(ours) == len(theirs), f"{rel}: cell count differs"
        for i, (a, b) in enumerate(zip(ours, theirs), start=1):
            if a != b:
                differences.append(
                    f"{rel}, code cell {i}:\n  first:  "
                    f"{json.dumps(a['outputs'])[:300]}\n  second: "
                    f"{json.dumps(b['outputs'])[:300]}"
                )
    assert not differences, "outputs differ between two clean builds:\n" \
        + "\n".join(differences)
