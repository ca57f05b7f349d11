"""Execute the book's pages before Sphinx reads them: on every core, and
only the pages whose inputs changed.

    python -m bookbuild.execute --root DIR --cache DIR

`bookbuild.build` runs this before `jupyter-book build`. It fills the
jupyter-cache that myst-nb then reads (`execute_notebooks: cache`), so
myst-nb finds every page executed and only renders it. Nothing about
strictness moves here: a page that fails is left out of the cache, and
myst-nb executes it again in the Sphinx build and reports it exactly
as before (the warning that fails the build, the traceback in
`reports/`, file and line in the summary). This stage only saves time.

Which pages execute. jupyter-cache keys a page on its code cells (and
kernel) only, so it re-executes a page whose cells changed and nothing
else. What a cell can depend on without changing, the page's *inputs*,
is :mod:`bookbuild.dependencies`' business: their fingerprint, per page.
The fingerprint a cached page was executed with is kept beside the
cache (`bookbuild-pages.json`: per page, relative to the root, the
cache record's hash, the inputs, the seconds it took); when it differs,
that page's record is removed and the page executes.

How they execute. Each page gets a kernel of its own, as myst-nb would
give it, but forked from a zygote that has imported the frameworks the
pages to execute import (:mod:`bookbuild.warmkernel`): PyTorch,
TensorFlow and JAX are imported once per build, not once per page.
"""

import argparse
import concurrent.futures
import fnmatch
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

from bookbuild import warmkernel
from bookbuild.dependencies import (global_inputs, imported_modules,
                                    page_inputs)
from bookbuild.failures import ANSI, ERROR_LINE
from bookbuild.kernels import Zygote, kernel_config
from bookbuild.processes import die_with

SIDECAR = "bookbuild-pages.json"
PAGE_SUFFIXES = (".md", ".ipynb")


# The pages, from the table of contents.

def _toc_files(entry):
    if isinstance(entry, dict):
        for key in ("root", "file"):
            if isinstance(entry.get(key), str):
                yield entry[key]
        for value in entry.values():
            if isinstance(value, (list, dict)):
                yield from _toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            yield from _toc_files(item)


def toc_pages(root):
    """The source files of the pages `_toc.yml` lists, in its order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text()) or {}
    pages = []
    for name in _toc_files(toc):
        for suffix in ("",) + PAGE_SUFFIXES:
            path = root / (name + suffix)
            if path.suffix in PAGE_SUFFIXES and path.is_file():
                if path not in pages:
                    pages.append(path)
                break
    return pages


def read_config(root):
    import yaml

    return yaml.safe_load((root / "_config.yml").read_text()) or {}


def read_notebook(path, config):
    """The page as myst-nb reads it (the notebook jupyter-cache keys),
    or None if it is not a notebook."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    extensions = (config.get("parse") or {}).get("myst_enable_extensions")
    md_config = MdParserConfig(enable_extensions=set(extensions or ()))
    text = path.read_text(encoding="utf8")
    reader = create_nb_reader(str(path), md_config, NbParserConfig(), text)
    if reader is None:
        return None
    return reader.read(text)


def code_sources(notebook):
    return [cell.source for cell in notebook.cells
            if cell.cell_type == "code"]


# Execution.

def _execute(job):
    """In a worker process: execute one notebook as myst-nb would; the
    executed notebook (JSON) or the traceback."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    from bookbuild.notebooks import merge_notebook_streams

    path, text, timeout, allow_errors, zygote = job
    notebook = nbformat.reads(text, as_version=4)
    with tempfile.TemporaryDirectory(prefix="bookbuild-kernel-") as folder:
        result = single_nb_execution(
            notebook, cwd=str(Path(path).parent), timeout=timeout,
            allow_errors=allow_errors, meta_override=True,
            config=kernel_config(folder, zygote))
    if result.err is not None:
        return path, None, result.exc_string or repr(result.err), \
            result.time
    merge_notebook_streams(notebook)
    return path, nbformat.writes(notebook), None, result.time


def _last_error(traceback):
    """The exception line of a traceback, without colours."""
    lines = ANSI.sub("", traceback or "").strip().splitlines()
    errors = [line for line in lines if ERROR_LINE.match(line)]
    return ((errors or lines or ["no traceback"])[-1])[:200]


def workers():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _load_sidecar(cache_dir):
    try:
        return json.loads((cache_dir / SIDECAR).read_text())
    except (OSError, ValueError):
        return {}


def _save_sidecar(cache_dir, data):
    tmp = cache_dir / (SIDECAR + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(cache_dir / SIDECAR)


def plan(root, cache, config, out=sys.stdout):
    """The pages to execute: [(page, notebook, inputs fingerprint)],
    after removing the cache records of pages whose inputs changed.
    Also returns the sidecar and how many pages have code."""
    execute = config.get("execute") or {}
    excluded = execute.get("exclude_patterns") or []
    global_fp = global_inputs(root, config)
    sidecar = _load_sidecar(Path(cache.path))
    todo, with_code = [], 0
    for page in toc_pages(root):
        rel = page.relative_to(root).as_posix()
        if any(fnmatch.fnmatch(rel, pattern) for pattern in excluded):
            continue
        notebook = read_notebook(page, config)
        if notebook is None or not any(s.strip() for s in
                                       code_sources(notebook)):
            continue
        with_code += 1
        inputs = page_inputs(root, page, code_sources(notebook), global_fp)
        try:
            record = cache.match_cache_notebook(notebook)
        except KeyError:
            record = None
        known = sidecar.get(rel)
        if (record is not None and known
                and known.get("hashkey") == record.hashkey
                and known.get("inputs") == inputs):
            continue
        if record is not None:
            print(f"{rel}: its inputs changed since it was executed",
                  file=out)
            cache.remove_cache(record.pk)
        todo.append((page, notebook, inputs))
    return todo, sidecar, with_code


def run(root, cache_dir, out=sys.stdout, jobs=None):
    """Execute the pages that need it into the cache at `cache_dir`.
    Returns the pages executed successfully (paths)."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root, cache_dir = Path(root).resolve(), Path(cache_dir)
    config = read_config(root)
    execute = config.get("execute") or {}
    if execute.get("execute_notebooks", "cache") != "cache":
        return []
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(cache_dir))
    todo, sidecar, with_code = plan(root, cache, config, out)
    if not todo:
        print(f"bookbuild.execute: all {with_code} pages with code are "
              "executed and current", file=out, flush=True)
        return []
    # Longest first (as last measured): the cores finish together.
    def last_seconds(item):
        key = item[0].relative_to(root).as_posix()
        return -sidecar.get(key, {}).get("seconds", 1e9)

    todo.sort(key=last_seconds)
    jobs = max(1, min(jobs or workers(), len(todo)))
    imported = set()
    for page, notebook, _ in todo:
        imported |= imported_modules(code_sources(notebook), root / "code")
    timeout = execute.get("timeout", 30)
    allow_errors = bool(execute.get("allow_errors", False))
    by_path = {str(page): (page, nb, inputs) for page, nb, inputs in todo}
    done = []
    context = multiprocessing.get_context("spawn")
    with Zygote(warmkernel.preload(imported)) as zygote, \
            concurrent.futures.ProcessPoolExecutor(
            jobs, mp_context=context, initializer=die_with,
            initargs=(os.getpid(),)) as pool:
        warm = (f"; their kernels start with {', '.join(zygote.modules)}"
                " imported" if zygote.path else "")
        print(f"bookbuild.execute: executing {len(todo)} of {with_code} "
              f"pages with code, {jobs} at a time{warm}", file=out,
              flush=True)
        futures = {}
        for page, notebook, _ in todo:
            print(f"Executing notebook {page.relative_to(root)}",
                  file=out, flush=True)
            job = (str(page), nbformat.writes(notebook), timeout,
                   allow_errors, zygote.path)
            futures[pool.submit(_execute, job)] = str(page)
        for future in concurrent.futures.as_completed(futures):
            path = futures[future]
            page, _, inputs = by_path[path]
            rel = page.relative_to(root).as_posix()
            try:
                _, text, error, seconds = future.result()
            except Exception as error:  # a worker died (killed kernel)
                text, seconds = None, 0.0
                error = repr(error)
            if text is None:
                print(f"bookbuild.execute: {rel} failed "
                      f"({_last_error(error)});"
                      " the build executes it again and reports it",
                      file=out, flush=True)
                sidecar.pop(rel, None)
                continue
            record = cache.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(text, as_version=4), path,
                              data={"execution_seconds": seconds}),
                check_validity=False, overwrite=True)
            sidecar[rel] = {"hashkey": record.hashkey, "inputs": inputs,
                             "seconds": round(seconds, 2)}
            _save_sidecar(cache_dir, sidecar)
            done.append(page)
            print(f"bookbuild.execute: executed {rel} in {seconds:.1f} s",
                  file=out, flush=True)
    _save_sidecar(cache_dir, sidecar)
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bookbuild.execute",
        description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=".")
    parser.add_argument("--cache", default=None,
                        help="the jupyter-cache folder "
                             "(default: ROOT/_build/.jupyter_cache)")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    cache = Path(args.cache) if args.cache else \
        root / "_build" / ".jupyter_cache"
    start = time.monotonic()
    done = run(root, cache, jobs=args.jobs)
    if done:
        print(f"bookbuild.execute: {len(done)} pages executed in "
              f"{time.monotonic() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
