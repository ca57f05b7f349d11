"""The kernels :mod:`bookbuild.execute` runs the pages in: local (Unix
sockets), and forked from a zygote (:mod:`bookbuild.warmkernel`) when
one runs.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Unicode
from traitlets.config import Config


def local_kernel(folder):
    """A kernel that talks over Unix sockets in `folder`, not over TCP:
    only this machine's processes can reach it (ipykernel warns of an
    unencrypted TCP kernel), and no port is taken."""
    return Config({"KernelManager": {"transport": "ipc",
                                     "ip": str(Path(folder) / "kernel")}})


class WarmKernelManager(AsyncKernelManager):
    """Starts a Python kernel as a fork of the zygote at `zygote`
    (:mod:`bookbuild.warmkernel`), which has the frameworks imported."""

    zygote = Unicode("", config=True)

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if self.zygote and command[1:3] == ["-m", "ipykernel_launcher"]:
            return [command[0], "-m", "bookbuild.warmkernel", "kernel",
                    self.zygote, *command[3:]]
        return command


class Zygote:
    """The zygote of this run's kernels, with `modules` imported, serving
    at `self.path` until the `with` block ends; no zygote (`path` None)
    if `modules` is empty or the system cannot watch processes through
    pidfds. It serves kernels whose environment is `env` (by default
    this process's)."""

    def __init__(self, modules, env=None):
        self.modules = list(modules)
        self.env = env
        self.path = self.process = None

    def __enter__(self):
        # The zygote watches its kernels through pidfds (Linux 5.3 and
        # later); elsewhere every kernel starts fresh.
        if not self.modules or not hasattr(os, "pidfd_open"):
            return self
        self.folder = tempfile.mkdtemp(prefix="bookbuild-zygote-")
        self.path = str(Path(self.folder) / "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bookbuild.warmkernel", "serve",
             self.path, *self.modules], stdin=subprocess.PIPE,
            env=self.env)
        # It listens before it imports: wait for that (a fraction of a
        # second), so that no kernel comes before it and starts fresh.
        deadline = time.monotonic() + 60
        while (not Path(self.path).exists() and self.process.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        if self.process is None:
            return
        self.process.stdin.close()  # the zygote's signal to end
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def kernel_config(folder, zygote=None):
    """The configuration of a page's notebook client: a local kernel
    in `folder`, forked from the zygote at `zygote` if given."""
    config = local_kernel(folder)
    if zygote:
        config.NotebookClient.kernel_manager_class = WarmKernelManager
        config.WarmKernelManager.zygote = zygote
    return config
