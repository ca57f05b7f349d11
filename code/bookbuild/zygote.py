"""The zygote of :mod:`bookbuild.warmkernel`: the process that imports
the frameworks once, then forks a kernel for each launcher that asks,
made to look as if it had started fresh (:func:`fresh_path`,
:func:`_kernel`), and kills the kernels whose launcher or build is gone.

    python -m bookbuild.warmkernel serve SOCKET MODULE...
"""

import os
import signal
import socket
import sys

from bookbuild.warmkernel import STREAMS, receive_request

# ipykernel's choice of matplotlib backend, which it makes as it starts
# (IPKernelApp.init_gui_pylab): matplotlib reads it when imported, and
# Keras imports matplotlib, so the zygote makes the same choice first.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Set by the kernel manager for each kernel it starts.
PER_KERNEL = {"JPY_PARENT_PID", "JPY_SESSION_NAME", "JPY_INTERRUPT_EVENT",
              "IPY_INTERRUPT_EVENT", "PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING"}


def _pythonpath(cwd, env):
    """The PYTHONPATH entries of `env` as a Python started in `cwd`
    puts them on `sys.path`: absolute."""
    return [os.path.normpath(os.path.join(cwd, entry))
            for entry in env.get("PYTHONPATH", "").split(os.pathsep)
            if entry]


def fresh_path(cwd, env, tail):
    """`sys.path` as `python -m ipykernel_launcher` starts with it in
    `cwd`: the PYTHONPATH entries, then `tail` (the standard library and
    the site's folders), without repeats; ipykernel_launcher removes the
    working folder that `-m` puts first, and IPython later adds ''."""
    path = []
    for entry in _pythonpath(cwd, env) + tail:
        if entry not in path:
            path.append(entry)
    return path


def _kernel(request, fds, tail, added):
    """In the forked child: become the kernel `request` describes."""
    import random

    os.setsid()
    for signum in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in zip(STREAMS, fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for key, value in added.items():  # what the preloaded imports set
        os.environ.setdefault(key, value)
    sys.path[:] = fresh_path(request["cwd"], request["env"], tail)
    sys.argv = [_launcher_file(), *request["argv"]]
    random.seed()
    code = 0
    try:
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _launcher_file():
    """The file `python -m ipykernel_launcher` runs (its sys.argv[0])."""
    import importlib.util

    return importlib.util.find_spec("ipykernel_launcher").origin


def _differs(env, base):
    keys = (set(env) | set(base)) - PER_KERNEL
    return sorted(k for k in keys if env.get(k) != base.get(k))


def serve(path, modules):
    """Import `modules` (:func:`bookbuild.warmkernel.preload`), listen
    at `path`, fork a kernel per request; exit when standard input closes (the build
    ended) or on SIGTERM, killing the kernels still running."""
    import importlib
    import selectors

    base_env = dict(os.environ)
    # What follows -m's folder and the PYTHONPATH entries: the same in
    # every kernel.
    own = _pythonpath(os.getcwd(), base_env)
    tail = [entry for entry in sys.path[1:] if entry not in own]
    # Listening before importing: a launcher that comes early waits.
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    for name in modules:
        importlib.import_module(name)
    added = {k: v for k, v in os.environ.items() if k not in base_env}
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    children = {}  # pid -> (connection, pidfd)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    def end(pid, status=None):
        conn, pidfd = children.pop(pid)
        selector.unregister(pidfd)
        selector.unregister(conn)
        os.close(pidfd)
        if status is not None:
            _say(conn, f"exit {status}")
        conn.close()

    try:
        while True:
            for key, _ in selector.select():
                kind = key.data
                if kind == "stdin":
                    if not os.read(sys.stdin.fileno(), 1024):
                        return
                elif kind == "accept":
                    conn, _ = server.accept()
                    try:
                        request, fds = receive_request(conn)
                    except (OSError, ValueError) as error:
                        print(f"bookbuild.zygote: {error}",
                              file=sys.stderr, flush=True)
                        conn.close()
                        continue
                    differs = _differs(request["env"], base_env)
                    if differs:
                        for fd in fds:
                            os.close(fd)
                        _say(conn, "fresh " + " ".join(differs))
                        conn.close()
                        continue
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        selector.close()
                        server.close()
                        conn.close()
                        for other, other_pidfd in children.values():
                            other.close()
                            os.close(other_pidfd)
                        _kernel(request, fds, tail, added)
                    for fd in fds:
                        os.close(fd)
                    pidfd = os.pidfd_open(pid)
                    children[pid] = (conn, pidfd)
                    selector.register(pidfd, selectors.EVENT_READ,
                                      ("exited", pid))
                    selector.register(conn, selectors.EVENT_READ,
                                      ("launcher", pid))
                    # A launcher already gone: its end of file, selected
                    # next, kills the kernel.
                    _say(conn, f"pid {pid}")
                elif kind[1] not in children:
                    continue  # ended by an event of the same select
                elif kind[0] == "exited":
                    _, status = os.waitpid(kind[1], 0)
                    end(kind[1], os.waitstatus_to_exitcode(status))
                elif kind[0] == "launcher":
                    # The launcher said nothing more: it is gone, and
                    # so must its kernel be.
                    _kill(kind[1])
                    os.waitpid(kind[1], 0)
                    end(kind[1])
    finally:
        for pid in list(children):
            _kill(pid)
            os.waitpid(pid, 0)
            end(pid)
        server.close()
        os.unlink(path)


def _say(conn, line):
    """Send the launcher one line; a launcher that is gone hears
    nothing (its end is noticed by the selector)."""
    try:
        conn.sendall(line.encode() + b"\n")
    except OSError:
        pass


def _kill(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


