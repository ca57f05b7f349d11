"""Kernels that start with the frameworks already imported.

    python -m bookbuild.warmkernel serve SOCKET MODULE...
    python -m bookbuild.warmkernel kernel SOCKET -f CONNECTION_FILE

Most of a page's execution time, when it shows PyTorch, TensorFlow and
JAX side by side, is spent importing them: about 8 s of CPU per kernel
on the machine the README measures, the same for every page.
:mod:`bookbuild.execute` therefore starts one *zygote* per build: a
process that imports once those of :data:`PRELOAD` that the pages to
execute import (:func:`preload`), and then forks, for each page, a
child that becomes that page's kernel. The
child shares the imported modules copy-on-write and starts in well
under a second.

What a page sees is what a fresh kernel shows it: the child takes the
kernel's command line, working folder, environment and standard
streams from the launcher the kernel manager started
(`... kernel SOCKET -f FILE`, which passes its own streams over the
socket), makes `sys.path` what `python -m ipykernel_launcher` starts
with there (:func:`fresh_path`), reseeds `random`, and runs ipykernel. Nothing is executed in the zygote but imports, so no
framework has started a backend that a fork would break; the zygote's
own code runs in one thread. Two idle native threads are there when it
forks (OpenBLAS's pool, one of TensorFlow's); Python 3.12 and later
say so in the build's log with a DeprecationWarning at each fork. The
book's pages give the same outputs as in fresh kernels, byte for byte
(tests/test_warmkernel.py checks what a kernel shows of itself).

The launcher stays the process the kernel manager knows: it forwards
the signals it gets (interrupt, terminate) to the child and exits with
the child's status; if the launcher is killed, the zygote kills the
child. When the zygote cannot serve the kernel as a fresh one (it is
not running, or the environment differs from the one it imported in,
apart from the per-kernel variables :data:`PER_KERNEL`), the launcher
starts an ordinary kernel instead: only time is at stake, never what a
page shows.
"""

import json
import os
import signal
import socket
import struct
import sys

# What costs seconds to import and the chapters import again and again.
# gradbook comes first: it quiets TensorFlow's start-up logs.
# Not ipykernel's kernel application: its defaults read the per-kernel
# variables (JPY_PARENT_PID) when it is imported, so each child imports
# it (a quarter of a second).
PRELOAD = ("gradbook", "numpy", "torch", "tensorflow", "jax",
           "jax.numpy")
# ipykernel's choice of matplotlib backend, which it makes as it starts
# (IPKernelApp.init_gui_pylab): matplotlib reads it when imported, and
# Keras imports matplotlib, so the zygote makes the same choice first.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Set by the kernel manager for each kernel it starts.
PER_KERNEL = {"JPY_PARENT_PID", "JPY_SESSION_NAME", "JPY_INTERRUPT_EVENT",
              "IPY_INTERRUPT_EVENT", "PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING"}
STREAMS = (0, 1, 2)


def preload(imported):
    """The modules of :data:`PRELOAD`, in its order, that a set of
    imported dotted names asks for (``jax.numpy`` asks for ``jax``
    too); empty if none, and then no zygote is worth starting."""
    def asked(name):
        return any(n == name or n.startswith(name + ".") for n in imported)

    return [name for name in PRELOAD if asked(name)]


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


def fresh_kernel_command(argv):
    """The command of an ordinary kernel with the launcher's arguments."""
    return [sys.executable, "-m", "ipykernel_launcher", *argv]


# The wire: a length-prefixed JSON request carrying the three streams;
# answers are lines.

def _send_request(sock, request):
    data = json.dumps(request).encode()
    socket.send_fds(sock, [struct.pack("!I", len(data))], list(STREAMS))
    sock.sendall(data)


def _receive_request(conn):
    head, fds, _, _ = socket.recv_fds(conn, 4, len(STREAMS))
    if len(head) != 4 or len(fds) != len(STREAMS):
        for fd in fds:
            os.close(fd)
        raise ConnectionError("expected a request with three streams")
    size = struct.unpack("!I", head)[0]
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the request ended early")
        data += chunk
    return json.loads(data), fds


# The launcher: what the kernel manager starts.

def launch(path, argv):
    """Have the zygote at `path` fork a kernel with `argv`, forward
    signals to it and exit with its status; or run a fresh kernel."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        _send_request(sock, {"argv": argv, "cwd": os.getcwd(),
                             "env": dict(os.environ)})
        answer = sock.makefile("r")
        first = answer.readline().split()
    except OSError:
        first = []
    if not first or first[0] != "pid":
        sock.close()
        if first[:1] == ["fresh"]:
            print("bookbuild.warmkernel: a fresh kernel, the environment "
                  "differs from the zygote's in " + " ".join(first[1:]),
                  file=sys.stderr, flush=True)
        command = fresh_kernel_command(argv)
        os.execv(command[0], command)
    child = int(first[1])

    def forward(signum, frame):
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP,
                   signal.SIGQUIT):
        signal.signal(signum, forward)
    last = answer.readline().split()
    status = int(last[1]) if last[:1] == ["exit"] else 1
    sys.exit(status)


# The zygote.

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
    """Import `modules` (:func:`preload`), listen at `path`, fork a
    kernel per request; exit when standard input closes (the build
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
                        request, fds = _receive_request(conn)
                    except (OSError, ValueError) as error:
                        print(f"bookbuild.warmkernel: {error}",
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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1], argv[2:])
    elif len(argv) >= 2 and argv[0] == "kernel":
        launch(argv[1], argv[2:])
    else:
        raise SystemExit("usage: python -m bookbuild.warmkernel "
                         "serve SOCKET MODULE... | kernel SOCKET -f FILE")


if __name__ == "__main__":
    main()
