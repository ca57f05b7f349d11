"""`python -m bookbuild.pdf [--root DIR] [--out DIR] [--language LANG]`:
both PDFs of an already built book (its doctrees, in
DIR/_build/.doctrees, or .doctrees-LANG for a translated edition, whose
PDFs go to its folder of the site), without building the site again."""

import argparse
import os
import sys
import time
from pathlib import Path


def sphinx_app(root: Path, build: Path, language: str = "en"):
    """A Sphinx application over the book's existing build, configured
    as jupyter-book configures it (so myst-nb finds its execution cache
    and notebooks beside the HTML); nothing is built or written."""
    from jupyter_book.config import get_final_config
    from sphinx.application import Sphinx
    from bookbuild.editions import EDITION_CONFIG, EDITIONS, SOURCE

    config, _ = get_final_config(
        user_yaml=root / "_config.yml",
        cli_config={"latex_individualpages": False}, sourcedir=root,
        use_external_toc=True)
    doctrees = ".doctrees"
    if language != SOURCE:
        config["language"] = language
        config.update({("html_title" if k == "title" else k): v
                       for k, v in EDITION_CONFIG[language].items()})
        doctrees += f"-{language}"
        if config.get("html_baseurl"):
            config["html_baseurl"] = config["html_baseurl"].rstrip("/") \
                + "/" + EDITIONS[language][0]
    # myst-nb puts its execution cache beside the output folder, which is
    # the site's own folder for an edition: name the build's.
    config["nb_execution_cache_path"] = str(build / ".jupyter_cache")
    app = Sphinx(srcdir=root, confdir=None,
                 outdir=build / "html" / EDITIONS[language][0],
                 doctreedir=build / doctrees,
                 buildername="html", confoverrides=config, status=None,
                 warning=sys.stderr)
    # sphinx-thebe fills in its defaults just before pages are read, and
    # warns on every resolved page without them; nothing is read here.
    from sphinx_thebe import init_thebe_default_config
    init_thebe_default_config(app, app.env, [])
    return app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bookbuild.pdf",
        description="Write the book PDF and the proofs PDF of a built "
                    "book (run `make book` first).")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="the book's directory, with _config.yml "
                             "(default: .)")
    parser.add_argument("--build", type=Path, default=None,
                        help="the build folder, with .doctrees (default: "
                             "DIR/_build)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the folder to write to (default: "
                             "DIR/_build/html, or its folder of the "
                             "edition)")
    parser.add_argument("--language", default="en",
                        help="the edition (default: en)")
    args = parser.parse_args(argv)
    from bookbuild.editions import EDITIONS, SOURCE
    if args.language not in EDITIONS:
        parser.error(f"--language must be one of {', '.join(EDITIONS)}; "
                     f"got {args.language!r}")
    root = args.root.resolve()
    build = (args.build or root / "_build").resolve()
    doctrees = ".doctrees" + ("" if args.language == SOURCE
                              else f"-{args.language}")
    if not (build / doctrees / "environment.pickle").is_file():
        print(f"error: no built book in {build}: run `make book` first",
              file=sys.stderr)
        return 1
    out = (args.out or build / "html" / EDITIONS[args.language][0]).resolve()
    problems = []

    def warn(message, node):
        where = f"{node.source}:{node.line}" if getattr(
            node, "source", None) else "?"
        problems.append(f"{where}: {message}")
        print(f"{where}: warning: {message}", file=sys.stderr)

    from sphinx.util.docutils import docutils_namespace, patch_docutils
    from ..commands import build_env
    from .export import export
    # Dated as the build dates its PDFs (ReportLab reads the variable):
    # the same bytes as the build's.
    os.environ["SOURCE_DATE_EPOCH"] = build_env(root)["SOURCE_DATE_EPOCH"]
    start = time.perf_counter()
    with patch_docutils(root), docutils_namespace():
        app = sphinx_app(root, build, args.language)
        results = export(app, out, warn=warn, names=None)
    for r in results:
        print(f"wrote {r.path}: {r.pages} pages, {r.size / 1024:.0f} KiB "
              f"in {r.seconds:.2f} s")
    print(f"total {time.perf_counter() - start:.2f} s (with Sphinx's "
          "start-up)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
