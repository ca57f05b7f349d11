"""`python -m bookbuild.proofs [--root DIR] [--out FILE]`."""

import argparse
import sys
from pathlib import Path

from .export import PDF_NAME, export
from .source import ProofsSourceError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bookbuild.proofs",
        description="Export every sphinx-proof block of the chapters in "
                    "DIR/_toc.yml to one PDF.")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="the book's directory, with _toc.yml and "
                             "_config.yml (default: .)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"the PDF to write (default: DIR/_build/html/"
                             f"{PDF_NAME})")
    args = parser.parse_args(argv)
    out = args.out or args.root / "_build" / "html" / PDF_NAME
    try:
        result = export(args.root, out, cache=args.root / "_build"
                        / ".proofs-math.pickle")
    except ProofsSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {result.path}: {result.blocks} blocks, {result.pages} "
          f"pages, {result.size / 1024:.0f} KiB in {result.seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
