"""What a page's execution reads besides its own cells, read from the
code, and the fingerprint of it that decides whether the page executes
again (:mod:`bookbuild.execute`).

jupyter-cache keys a page on its code cells (and kernel) only. A cell
can also depend, without changing, on:

- the modules under `code/` it imports, directly or through another
  such module (read from the code with `ast`, not listed by hand);
- the data files under `book/data/` named in its source or in those
  modules' source, and the saved runs of `make bench` it loads
  (`saved_run("bench")` reads `code/gradbook/runs/bench.json`);
- the pins (`requirements.txt`, `pyproject.toml`), the `execute:`
  section of `_config.yml`, and `bookbuild/notebooks.py` (which shapes
  every executed notebook): a change there executes every page.
"""

import ast
import hashlib
import json
import re
from pathlib import Path

from bookbuild.files import fingerprint

GLOBAL_INPUTS = ("requirements.txt", "pyproject.toml")
MAGIC = re.compile(r"^\s*[%!]")


def _parse(source):
    """The AST of a cell or module, IPython magics and shell lines
    blanked; None if it still does not parse."""
    lines = ["" if MAGIC.match(line) else line
             for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _module_file(code_root, dotted):
    """code_root/a/b.py or code_root/a/b/__init__.py for "a.b"."""
    base = code_root.joinpath(*dotted.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _with_parents(code_root, dotted):
    """The files that importing `dotted` runs: each package's
    __init__ on the way, then the module itself."""
    parts = dotted.split(".")
    files = []
    for i in range(1, len(parts) + 1):
        path = _module_file(code_root, ".".join(parts[:i]))
        if path is not None:
            files.append(path)
    return files


def imported_files(tree, code_root, package=""):
    """Files under `code_root` that the imports in `tree` load.
    `package` is the dotted package of the module `tree` came from (for
    relative imports)."""
    files = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                files += _with_parents(code_root, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            if not base:
                continue
            files += _with_parents(code_root, base)
            for alias in node.names:  # `from pkg import module`
                path = _module_file(code_root, f"{base}.{alias.name}")
                if path is not None:
                    files.append(path)
    return files



def _package_of(code_root, path):
    """The dotted package of the module at `path` ("a" for a/b.py and
    for a/__init__.py)."""
    return ".".join(path.relative_to(code_root).with_suffix("").parts[:-1])


def module_closure(sources, code_root):
    """The files under `code_root` that the code `sources` imports,
    directly or through each other, sorted."""
    found = set()
    todo = []
    for source in sources:
        tree = _parse(source)
        if tree is not None:
            todo += imported_files(tree, code_root)
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.add(path)
        tree = _parse(path.read_text(encoding="utf8"))
        if tree is not None:
            todo += imported_files(tree, code_root,
                                   _package_of(code_root, path))
    return sorted(found)


def imported_modules(sources, code_root):
    """The dotted names of every module that the code `sources`
    imports, directly or through the modules under `code_root` it
    imports (what :mod:`bookbuild.warmkernel` preloads is chosen from
    these)."""
    names = set()
    trees = [_parse(source) for source in sources]
    trees += [_parse(path.read_text(encoding="utf8"))
              for path in module_closure(sources, code_root)]
    for tree in filter(None, trees):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module \
                    and not node.level:
                names.add(node.module)
    return names


def data_files(texts, data_dir):
    """The files in `data_dir` whose names appear in any of `texts`."""
    if not data_dir.is_dir():
        return []
    names = sorted(p for p in data_dir.rglob("*") if p.is_file())
    return [p for p in names
            if any(p.name in text for text in texts)]


def global_inputs(root, config):
    """What every page's outputs depend on: pins, execution settings,
    the notebook shaping of bookbuild."""
    digest = hashlib.sha256()
    for name in GLOBAL_INPUTS:
        path = root / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"-")
    digest.update(json.dumps(config.get("execute"), sort_keys=True,
                             default=str).encode())
    digest.update(Path(__file__).with_name("notebooks.py").read_bytes())
    return digest.hexdigest()


# gradbook ships the saved measurements of `make bench`; a page reads
# runs/<name>.json through gradbook.data.saved_run("<name>").
SAVED_RUNS = Path("code", "gradbook", "runs")
SAVED_RUN_CALL = re.compile(r"""saved_run\(\s*["'](\w+)["']""")


def saved_runs(texts, runs_dir):
    """The files runs_dir/<name>.json that a saved_run("<name>") call in
    any of `texts` reads."""
    names = {name for text in texts for name in SAVED_RUN_CALL.findall(text)}
    return sorted(path for name in names
                  if (path := runs_dir / f"{name}.json").is_file())


def page_dependencies(root, page, sources):
    """The files a page's execution reads besides its own cells: the
    modules under code/ it imports, the data it names and the saved runs
    it loads."""
    modules = module_closure(sources, root / "code")
    texts = [page.read_text(encoding="utf8")]
    texts += [m.read_text(encoding="utf8") for m in modules]
    return modules + data_files(texts, page.parent / "data") \
        + [p for p in data_files(texts, root / "book" / "data")
           if p.parent != page.parent / "data"] \
        + saved_runs(texts, root / SAVED_RUNS)


def page_inputs(root, page, sources, global_fp):
    """The fingerprint of one page's inputs (not its cells)."""
    return fingerprint(root, page_dependencies(root, page, sources),
                       start=global_fp)
