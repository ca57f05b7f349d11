"""Process control for :mod:`bookbuild.build`: run jupyter-book in its
own session (or several beside each other, :class:`Background`) so
that it and its kernels end with the build (even when the build is
killed), stop cleanly on SIGTERM, allow one build of a book at a time,
and swap a finished site into place in one rename.

Linux-specific where it must be (``renameat2``, ``setpriv
--pdeathsig``), with a portable fallback for each.
"""

import contextlib
import ctypes
import fcntl
import io
import os
import shutil
import signal
import subprocess
import sys
import threading


def _exchange(new, live):
    """Swap two directories in one step (Linux renameat2), or False."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(new), at_fdcwd,
                     os.fsencode(live), rename_exchange)
    return done == 0


def publish(new, live):
    """Put the directory `new` in the place of `live`.

    Where the system can, the two are exchanged in one rename, so that
    `live` is at no moment absent or half-written; elsewhere the old
    one is renamed away first. `new` is gone afterwards.
    """
    if not live.exists():
        new.rename(live)
        return
    if _exchange(new, live):
        shutil.rmtree(new)
        return
    old = live.with_name(live.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    live.rename(old)
    new.rename(live)
    shutil.rmtree(old)


class Stopped(Exception):
    """The build was told to stop (SIGTERM)."""


def stop(signum, frame):
    """A SIGTERM handler: raise Stopped where the build is."""
    raise Stopped(signal.Signals(signum).name)


def _with_parent(command):
    """`command`, made to die when the build dies, even by SIGKILL.

    On Linux, util-linux's ``setpriv --pdeathsig KILL`` sets the
    parent-death signal and then executes the command. (A ``preexec_fn``
    doing the same would make Python run the at-fork handlers of the
    building process, and a process that has JAX running, like the test
    suite, warns that it forks while multithreaded.) Elsewhere the
    command is left as it is: SIGTERM still ends it (:func:`_end`)."""
    setpriv = shutil.which("setpriv")
    if sys.platform.startswith("linux") and setpriv:
        return [setpriv, "--pdeathsig", "KILL", "--", *command]
    return list(command)


def die_with(parent):
    """End this process when `parent` ends, even killed (Linux's
    parent-death signal); first thing in a worker of `parent`'s pool
    (:mod:`bookbuild.execute`). A pool worker waits on a queue it also
    holds the writing end of, so it would never see its parent go: a
    build killed by SIGKILL would leave it running."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    pr_set_pdeathsig = 1
    prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # gone before the signal was set
        os._exit(1)


def _end(proc):
    """Stop jupyter-book and every kernel it started (its session)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def no_stop():
    """Hold SIGTERM back while the site is swapped (a few renames)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


@contextlib.contextmanager
def only_build(build_dir):
    """One build of a book at a time; yields False if one is running.
    The lock goes with the process, however it ends."""
    with open(build_dir / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def run(command, cwd, env, log_path, out, mode="w"):
    """Run `command` in its own session, in `cwd` with `env`, copying
    its output to `out` and `log_path` as it comes; it and every process
    it started end with it, or with this one. Returns (exit code, the
    log)."""
    chunks = []
    with open(log_path, mode, buffering=1) as log:  # line by line
        proc = subprocess.Popen(
            _with_parent(command), cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace", start_new_session=True)
        try:
            for line in proc.stdout:
                out.write(line)
                log.write(line)
                chunks.append(line)
            proc.wait()
        finally:
            _end(proc)
            proc.stdout.close()
    return proc.returncode, "".join(chunks)


class Background(threading.Thread):
    """:func:`run` in a thread, started at once; wait() gives what run
    returns, (exit code, the log), its output kept in the log only."""

    def __init__(self, command, cwd, env, log_path):
        super().__init__(daemon=True)
        self.args_ = (command, cwd, env, log_path, io.StringIO())
        self.result = (1, "")
        self.start()

    def run(self):
        self.result = run(*self.args_)

    def wait(self):
        self.join()
        return self.result
