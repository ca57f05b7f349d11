"""`make lab`: JupyterLab opens the Markdown chapters as notebooks.

Starts the environment's JupyterLab server on 127.0.0.1 and asks it,
through its REST API, what a reader's double click would get.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bookbuild import labsetup

TOKEN = "gradbook-test-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    request = urllib.request.Request(
        url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def lab(repo_root, tmp_path_factory):
    labsetup.write_overrides(labsetup.overrides_path())
    port = free_port()
    home = tmp_path_factory.mktemp("home")
    log = home / "lab.log"
    jupyter = Path(sys.executable).with_name("jupyter")
    with log.open("w") as err:
        proc = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", f"--port={port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
             f"--ServerApp.root_dir={repo_root}", "--allow-root"],
            env={"HOME": str(home), "PATH": str(jupyter.parent),
                 "JUPYTER_CONFIG_DIR": str(home / "config"),
                 "JUPYTER_RUNTIME_DIR": str(home / "runtime")},
            stdout=subprocess.DEVNULL, stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            get(f"{base}/api/status")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("JupyterLab did not start: "
                            + log.read_text()[-2000:])
            time.sleep(0.5)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.slow
def test_markdown_chapters_open_as_notebooks_by_default(lab):
    settings = get(f"{lab}/lab/api/settings/{labsetup.DOCMANAGER}")
    # JupyterLab applies environment overrides as the schema's defaults;
    # a reader's own setting (none here) would go in "settings".
    schema = settings["schema"]["properties"]["defaultViewers"]
    viewers = settings["settings"].get("defaultViewers", schema["default"])
    assert viewers["markdown"] == "Jupytext Notebook"
    assert viewers["myst"] == "Jupytext Notebook"


@pytest.mark.slow
def test_a_chapter_is_served_as_a_notebook(lab):
    model = get(f"{lab}/api/contents/book/intro.md?type=notebook")
    assert model["type"] == "notebook"
    cells = model["content"]["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, "the intro chapter has code cells"
    assert "torch.__version__" in "".join(c["source"] for c in code)


def test_overrides_keep_the_readers_other_settings(tmp_path):
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps({"other": {"x": 1}}))
    labsetup.write_overrides(path)
    settings = json.loads(path.read_text())
    assert settings["other"] == {"x": 1}
    assert (settings[labsetup.DOCMANAGER]["defaultViewers"]["myst"]
            == "Jupytext Notebook")
