"""Kernels that start with the frameworks already imported.

    python -m bookbuild.warmkernel serve SOCKET MODULE...
    python -m bookbuild.warmkernel kernel SOCKET -f CONNECTION_FILE

Most of a page's execution time, when it shows PyTorch, TensorFlow and
JAX side by side, is spent importing them: about 8 s of CPU per kernel
on the machine the README measures, the same for every page.
:mod:`bookbuild.execute` therefore starts one *zygote* per build
(:mod:`bookbuild.zygote`): a process that imports once those of
:data:`PRELOAD` that the pages to execute import (:func:`preload`),
and then forks, for each page, a child that becomes that page's
kernel. The child shares the imported modules copy-on-write and starts
in well under a second.

What a page sees is what a fresh kernel shows it: the child takes the
kernel's command line, working folder, environment and standard
streams from the launcher the kernel manager started
(`... kernel SOCKET -f FILE`, :func:`launch`, which passes its own
streams over the socket), makes `sys.path` what
`python -m ipykernel_launcher` starts with there, reseeds `random`, and
runs ipykernel. Nothing is executed in the zygote but imports, so no
framework has started a backend that a fork would break; the zygote's
own code runs in one thread. Two idle native threads are there when it
forks (OpenBLAS's pool, one of TensorFlow's), of the kind Python 3.12
and later warn about (a DeprecationWarning, which Python's default
filters show only for code run as the main module). The book's pages
give the same outputs as in fresh kernels, byte for byte, and
tests/test_warmkernel.py compares what a kernel shows of itself.

This module is the launcher, which stays the process the kernel manager
knows: it forwards the signals it gets (interrupt, terminate) to the
child and exits with the child's status; if the launcher is killed,
the zygote kills the child. When the zygote cannot serve the kernel as
a fresh one (it is not running, or the environment differs from the
one it imported in, apart from the per-kernel variables), the launcher
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
STREAMS = (0, 1, 2)


def preload(imported):
    """The modules of :data:`PRELOAD`, in its order, that a set of
    imported dotted names asks for (``jax.numpy`` asks for ``jax``
    too); empty if none, and then no zygote is worth starting."""
    def asked(name):
        return any(n == name or n.startswith(name + ".") for n in imported)

    return [name for name in PRELOAD if asked(name)]


def fresh_kernel_command(argv):
    """The command of an ordinary kernel with the launcher's arguments."""
    return [sys.executable, "-m", "ipykernel_launcher", *argv]


# The wire: a length-prefixed JSON request carrying the three streams;
# answers are lines.

def send_request(sock, request):
    data = json.dumps(request).encode()
    socket.send_fds(sock, [struct.pack("!I", len(data))], list(STREAMS))
    sock.sendall(data)


def receive_request(conn):
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
        send_request(sock, {"argv": argv, "cwd": os.getcwd(),
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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "serve":
        from bookbuild.zygote import serve

        try:
            serve(argv[1], argv[2:])
            code = 0
        except SystemExit as stop:      # SIGTERM
            code = stop.code or 0
        # Its kernels are gone, its socket removed: end without Python's
        # finalization, over a second of tearing the preloaded
        # frameworks down at the end of every build that executes.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    elif len(argv) >= 2 and argv[0] == "kernel":
        launch(argv[1], argv[2:])
    else:
        raise SystemExit("usage: python -m bookbuild.warmkernel "
                         "serve SOCKET MODULE... | kernel SOCKET -f FILE")


if __name__ == "__main__":
    main()
