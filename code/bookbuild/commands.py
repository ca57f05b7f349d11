"""The commands a build runs (:mod:`bookbuild.build`), and their
environment: `bookbuild.execute`, then Jupyter Book, strict, for the
book and for each of its editions (:mod:`bookbuild.i18n`).

Strict, every time: ``-W -n --keep-going`` and ``--all``, so Sphinx
re-reads every chapter and re-reports every warning. An incremental
Sphinx build stays silent about warnings it reported before, so its
silence proves nothing.
"""

import os
import sys
from pathlib import Path

from bookbuild.files import commit_epoch
from bookbuild.editions import EDITION_CONFIG, EDITIONS

STRICT = ["--all", "-W", "-n", "--keep-going"]


def build_env(root):
    """The environment for the build and its kernels: seeded, and dated
    by the last commit (:func:`bookbuild.files.commit_epoch`).

    TensorFlow's start-up logging is quieted by `import gradbook`,
    which every chapter runs before it imports TensorFlow or Keras.
    """
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("SOURCE_DATE_EPOCH", commit_epoch(root) or "0")
    return env


def jupyter_book():
    """The `jupyter-book` command of this Python's environment."""
    exe = Path(sys.executable).with_name("jupyter-book")
    return [str(exe)] if exe.exists() else ["jupyter-book"]


def execute_command(root, cache):
    """`bookbuild.execute` on `root`, importing this very bookbuild
    (whatever the environment's PYTHONPATH), without changing the
    environment its kernels get."""
    code_root = str(Path(__file__).resolve().parents[1])
    script = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
              "from bookbuild.execute import main; sys.exit(main())")
    return [sys.executable, "-c", script, code_root, "--root", str(root),
            "--cache", str(cache)]


def book_command(root, stage):
    """The strict build of `root`'s book into the staging folder."""
    return jupyter_book() + ["build", str(root), *STRICT,
                             "--path-output", str(stage)]


def edition_command(root, folder, lang):
    """The build of the `lang` edition into its staging folder `folder`:
    the book's configuration with its language, written there."""
    import yaml

    config = yaml.safe_load(Path(root, "_config.yml").read_text())
    config["sphinx"]["config"]["language"] = lang
    config.update(EDITION_CONFIG.get(lang, {}))
    # Its pages' canonical URLs, its PDFs' and notebooks' "read online"
    # links: the edition's own folder of the site.
    html = config.setdefault("html", {})
    if html.get("baseurl"):
        html["baseurl"] = html["baseurl"].rstrip("/") + "/" + \
            EDITIONS[lang][0]
    (folder / "_config.yml").write_text(yaml.safe_dump(config))
    return book_command(root, folder) + ["--config",
                                         str(folder / "_config.yml")]
