"""The Makefile picks a supported Python, or refuses with one line.

Each test copies the Makefile into an empty directory with a PATH that
holds only small stand-in interpreters (shell scripts that print a
version, as `python -c '...'` would) and the few tools make itself
needs, then asks `make -n book` what it would run.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
TOOLS = ("sh", "uname", "sed")

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def dry_run(tmp_path, interpreters, *args):
    """`make -n book ARGS` with only `interpreters` (name -> version)."""
    work = tmp_path / "clone"
    bin_dir = tmp_path / "bin"
    work.mkdir(parents=True)
    bin_dir.mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", work)
    for name in ("requirements.txt", "pyproject.toml"):
        (work / name).write_text("")
    for tool in TOOLS:
        os.symlink(shutil.which(tool), bin_dir / tool)
    for name, version in interpreters.items():
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\necho {version}\n")
        script.chmod(0o755)
    return subprocess.run(
        [MAKE, "-n", "book", *args], cwd=work, capture_output=True,
        text=True, env={"PATH": str(bin_dir)}, timeout=60)


def venv_line(proc):
    return next(line for line in proc.stdout.splitlines()
                if " -m venv " in line)


@pytest.mark.parametrize("available, chosen", [
    ({"python3.11": "3.11"}, "python3.11"),
    ({"python3.12": "3.12"}, "python3.12"),
    ({"python3.13": "3.13"}, "python3.13"),
    ({"python3.11": "3.11", "python3.13": "3.13"}, "python3.13"),
    ({"python3.12": "3.12", "python3": "3.13"}, "python3.12"),
    ({"python3": "3.12"}, "python3"),
])
def test_the_newest_supported_python_is_chosen(tmp_path, available,
                                               chosen):
    proc = dry_run(tmp_path, available)
    assert proc.returncode == 0, proc.stderr
    assert venv_line(proc).endswith(f"|| {chosen} -m venv .venv")


@pytest.mark.parametrize("available", [
    {},
    {"python3": "3.10"},
    {"python3": "3.14", "python3.10": "3.10"},
])
def test_no_supported_python_is_refused_in_one_line(tmp_path, available):
    proc = dry_run(tmp_path, available)
    assert proc.returncode != 0
    message = proc.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "no supported Python found" in message
    assert "3.13, 3.12, 3.11" in message
    assert "venv" not in proc.stdout


def test_an_unsupported_python_named_by_hand_is_refused(tmp_path):
    proc = dry_run(tmp_path, {"python3.10": "3.10", "python3.11": "3.11"},
                   "PYTHON=python3.10")
    assert proc.returncode != 0
    assert "python3.10 is Python 3.10" in proc.stderr
    assert "3.13, 3.12, 3.11" in proc.stderr


def test_a_supported_python_named_by_hand_wins(tmp_path):
    proc = dry_run(tmp_path, {"python3.11": "3.11", "python3.13": "3.13"},
                   "PYTHON=python3.11")
    assert proc.returncode == 0, proc.stderr
    assert venv_line(proc).endswith("|| python3.11 -m venv .venv")


def test_linux_installs_the_cpu_torch_first_unless_asked(tmp_path):
    if os.uname().sysname != "Linux":
        pytest.skip("the CPU index step is for Linux")
    cpu = dry_run(tmp_path / "cpu", {"python3.11": "3.11"})
    assert cpu.returncode == 0, cpu.stderr
    lines = cpu.stdout
    torch_at = lines.index("download.pytorch.org/whl/cpu")
    assert torch_at < lines.index("-r requirements.txt")
    # ...and falls back to the default index when that one fails.
    assert "not reachable" in lines
    cuda = dry_run(tmp_path / "cuda", {"python3.11": "3.11"}, "TORCH=cuda")
    assert cuda.returncode == 0, cuda.stderr
    assert "download.pytorch.org" not in cuda.stdout
    assert "-r requirements.txt" in cuda.stdout


def test_an_unknown_torch_choice_is_refused(tmp_path):
    proc = dry_run(tmp_path, {"python3.11": "3.11"}, "TORCH=rocm")
    assert proc.returncode != 0
    assert "TORCH=rocm: expected cpu or cuda" in proc.stderr


def test_make_help_lists_every_target():
    text = (ROOT / "Makefile").read_text()
    phony = next(line for line in text.splitlines()
                 if line.startswith(".PHONY:")).split()[1:]
    proc = subprocess.run([MAKE, "-s", "help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    listed = {line.split()[1] for line in proc.stdout.splitlines()
              if line.startswith("make ")}
    assert set(phony) - {"help"} <= listed, proc.stdout
