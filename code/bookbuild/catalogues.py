"""The editions' catalogues: ``make i18n`` and the lint.

``python -m bookbuild.catalogues`` (``make i18n``) runs :func:`main`: it
extracts the English messages with Sphinx's gettext builder, merges them
into ``locales/<lang>/LC_MESSAGES/book/*.po`` (sphinx-intl) and lists
what is left to translate. ``--lint FILE.po`` checks translations: each
keeps its message's markup (:func:`markup`) and writes the term list's
terms, not the English ones (:func:`english_terms`). The Sphinx side,
which refuses an untranslated message at build time, is
:mod:`bookbuild.i18n`.
"""

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bookbuild.editions import LOCALES, shorten, translated_languages

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
CODE = re.compile(r"``.+?``|`[^`]+`", re.S)
URL = re.compile(r"\]\(([^)]*)\)")
# Roles whose text the reader sees, written `text <target>` or `target`.
TEXT_ROLES = {"term", "doc", "ref", "numref", "prf:ref", "download"}
# Roles that are nothing but their text (bookbuild.pdf's links).
FREE_ROLES = {"proofs-pdf", "book-pdf"}


def markup(message):
    """What a translation of `message` must keep, as sorted lists: each
    role with its target (a role's link text may be translated), the
    math, the inline code, the link addresses."""
    roles = []
    for name, content in ROLE.findall(message):
        target = content
        if name in FREE_ROLES:
            target = ""
        elif name in TEXT_ROLES:
            found = re.search(r"<([^<>]+)>\s*$", content)
            target = found[1] if found else content
            if name == "term":
                target = target.lower()
        roles.append(f"{{{name}}}{target}")
    rest = ROLE.sub(" ", message)
    math = MATH.findall(rest)
    rest = MATH.sub(" ", rest)
    return {"roles": sorted(roles), "math": sorted(math),
            "code": sorted(CODE.findall(rest)),
            "links": sorted(URL.findall(rest))}


def english_terms(message, terms):
    """The English terms of `terms` (English -> Korean, where the two
    differ) written in `message` outside its markup."""
    rest = MATH.sub(" ", ROLE.sub(" ", message))
    rest = CODE.sub(" ", rest)
    return [en for en, ko in terms.items() if en != ko and re.search(
        rf"(?<![\w-]){re.escape(en)}(?:s|es)?(?![\w-])", rest, re.I)]


def read_terms(root, lang):
    """The edition's term list, locales/<lang>/terms.tsv."""
    terms = {}
    path = Path(root, LOCALES, lang, "terms.tsv")
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            en, ko = line.split("\t")
            terms[en] = ko
    return terms


def lint(po_path, terms):
    """Problems of one catalogue: [(msgid, problem)]."""
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as f:
        catalog = read_po(f)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if not message.string:
            problems.append((message.id, "untranslated"))
            continue
        if message.fuzzy:
            problems.append((message.id, "fuzzy"))
        want, got = markup(message.id), markup(message.string)
        for kind in want:
            if want[kind] != got[kind]:
                missing = [x for x in want[kind] if x not in got[kind]]
                extra = [x for x in got[kind] if x not in want[kind]]
                problems.append((message.id, f"{kind} differ: missing "
                                 f"{missing}, extra {extra}"))
        # A message that is only mathematics is its own translation.
        left = [] if message.string == message.id else \
            english_terms(message.string, terms)
        if left:
            problems.append((message.id, f"English terms {left}: use "
                             f"{[terms[t] for t in left]}"))
    return problems


# ---------------------------------------------------------------------
# make i18n


def catalogue_report(root, lang):
    """[(catalogue, untranslated, fuzzy, total)] of one language."""
    from babel.messages.pofile import read_po

    rows = []
    for po in sorted(Path(root, LOCALES, lang).rglob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        messages = [m for m in catalog if m.id]
        rows.append((po.relative_to(root),
                     sum(1 for m in messages if not m.string),
                     sum(1 for m in messages if m.fuzzy and m.string),
                     len(messages)))
    return rows


def extract(root):
    """The English messages, _build/gettext/**.pot (Sphinx's gettext
    builder). It reads the build's execution cache: a glued figure's
    caption exists only where its notebook has run, so after a build
    nothing is executed again."""
    from bookbuild.commands import build_env, jupyter_book

    build_dir = Path(root, "_build")
    stage = build_dir / "gettext-stage"
    (stage / "_build").mkdir(parents=True, exist_ok=True)
    (build_dir / ".jupyter_cache").mkdir(exist_ok=True)
    cache = stage / "_build" / ".jupyter_cache"
    if not cache.is_symlink():
        shutil.rmtree(cache, ignore_errors=True)
        cache.symlink_to(build_dir / ".jupyter_cache")
    command = jupyter_book() + [
        "build", str(root), "--builder", "custom", "--custom-builder",
        "gettext", "--all", "--path-output", str(stage)]
    result = subprocess.run(command, cwd=root, env=build_env(root),
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"extracting the messages failed "
                         f"(exit {result.returncode})")
    return stage / "_build" / "gettext"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bookbuild.catalogues",
        description="Extract the English messages, update the "
                    "catalogues of every edition, list what to translate.")
    parser.add_argument("--root", default=".")
    parser.add_argument("--check", action="store_true",
                        help="only report (exit 1 if anything is left)")
    parser.add_argument("--lint", nargs="+", metavar="PO",
                        help="check these catalogues' translations: "
                             "markup kept, the term list used")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if args.lint:
        found = 0
        for po in args.lint:
            lang = Path(po).resolve().relative_to(root / LOCALES).parts[0]
            for msgid, problem in lint(po, read_terms(root, lang)):
                found += 1
                print(f"{po}: {problem}\n    msgid: {shorten(msgid, 100)}")
        print(f"{found} problems")
        return 1 if found else 0
    if not args.check:
        pot = extract(root)
        for lang in translated_languages():
            subprocess.run(
                [sys.executable, "-m", "sphinx_intl", "update", "-p",
                 str(pot), "-d", str(root / LOCALES), "-l", lang,
                 "-w", "0", "--no-obsolete"],
                check=True, cwd=root, stdout=subprocess.DEVNULL)
    left = 0
    for lang in translated_languages():
        for po, untranslated, fuzzy, total in catalogue_report(root, lang):
            if untranslated or fuzzy:
                left += untranslated + fuzzy
                print(f"{po}: {untranslated} untranslated, {fuzzy} fuzzy "
                      f"of {total}")
    if left:
        print(f"{left} messages to translate: edit the msgstr of each "
              f"(and delete the '#, fuzzy' line once it is right)")
        return 1
    print("every message of every edition is translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
