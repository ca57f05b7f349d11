"""Kernels forked from a zygote (bookbuild.warmkernel) behave as fresh
ones: the same outputs, interrupts, no orphan when the launcher dies,
and a fresh kernel when the zygote cannot stand in for one.

The zygote here preloads numpy and TensorFlow (with gradbook first, as
in the build): a framework whose import starts threads and touches the
environment, so what the child must undo or keep is really exercised.
"""

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import time

from pathlib import Path

import nbformat
import pytest

from bookbuild import dependencies, warmkernel
from bookbuild.execute import _execute
from bookbuild.kernels import WarmKernelManager, Zygote, local_kernel

pytestmark = pytest.mark.slow  # starts kernels

MODULES = ["gradbook", "numpy", "tensorflow"]
CODE = Path(__file__).resolve().parents[1] / "code"

FIGURE = ("import matplotlib.pyplot as plt\nimport numpy as np\n"
          "plt.plot(np.arange(3))\nplt.show()")
# What a kernel shows of itself; a forked one must show the same.
SAME = [
    "import os, sys\nprint(os.getcwd(), sys.path, sys.argv[0], __name__)",
    "print(os.environ.get('MPLBACKEND'), 'JPY_PARENT_PID' in os.environ)",
    "from ipykernel.kernelapp import IPKernelApp\n"
    "print(IPKernelApp.instance().parent_handle == "
    "int(os.environ['JPY_PARENT_PID']))",
    "import gradbook\nprint(os.environ.get('TF_CPP_MIN_LOG_LEVEL'))",
    "import tensorflow as tf\nprint(float(tf.reduce_sum(tf.ones(3))))",
    FIGURE,
    "print(type(get_ipython()).__name__)",
    "1 / 0",
]
WARM = "import sys\nprint('tensorflow' in sys.modules)"
SEED = "import random\nprint(random.random())"


@pytest.fixture(scope="module")
def zygote():
    env = {k: v for k, v in os.environ.items()
           if k != "PYTEST_CURRENT_TEST"}
    with Zygote(MODULES, env=env) as running:
        yield running


@contextlib.contextmanager
def environment(env):
    """The zygote's environment while a test starts kernels (pytest
    names the running test in it), as the build's workers share the
    build's."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_page(tmp_path, cells, zygote_path, env=None):
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells],
        metadata={"kernelspec": {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}})
    page = tmp_path / "page.ipynb"
    with environment(env or os.environ):
        _, text, error, _ = _execute((str(page), nbformat.writes(notebook),
                                      60, True, zygote_path))
    assert error is None, error
    return [cell.outputs for cell in nbformat.reads(text, 4).cells]


def plain(outputs):
    """Outputs without what differs between any two runs."""
    return [[{k: v for k, v in o.items() if k != "execution_count"}
             for o in cell] for cell in outputs]


def test_preload_takes_what_the_pages_import_in_its_order():
    assert warmkernel.preload({"jax.numpy", "torch.func", "os"}) == [
        "torch", "jax", "jax.numpy"]
    assert warmkernel.preload({"os", "fractions"}) == []
    # Through a module of the book's code, as the build reads it.
    imported = dependencies.imported_modules(
        ["from gradbook import nn_frameworks"], CODE)
    assert {"gradbook", "torch", "tensorflow"} <= imported
    assert "tensorflow" not in dependencies.imported_modules(
        ["from gradbook import quadform"], CODE)


def test_a_forked_kernel_shows_what_a_fresh_one_shows(tmp_path, zygote):
    warm = run_page(tmp_path, [WARM] + SAME, zygote.path, zygote.env)
    fresh = run_page(tmp_path, [WARM] + SAME, None, zygote.env)
    assert warm[0][0]["text"] == "True\n"  # forked: TF came imported
    assert fresh[0][0]["text"] == "False\n"
    assert plain(warm[1:]) == plain(fresh[1:])
    figure = warm[1 + SAME.index(FIGURE)]
    assert any("image/png" in o.get("data", {}) for o in figure)
    assert warm[-1][0]["ename"] == "ZeroDivisionError"


def test_each_forked_kernel_draws_its_own_random_numbers(tmp_path, zygote):
    first = run_page(tmp_path, [SEED], zygote.path, zygote.env)
    second = run_page(tmp_path, [SEED], zygote.path, zygote.env)
    assert first[0][0]["text"] != second[0][0]["text"]


def test_a_different_environment_gets_a_fresh_kernel(tmp_path, zygote,
                                                       capfd):
    env = dict(zygote.env, BOOKBUILD_TEST_VARIABLE="1")
    outputs = run_page(tmp_path, [WARM], zygote.path, env)
    assert outputs[0][0]["text"] == "False\n"
    assert "environment differs from the zygote's in " \
        "BOOKBUILD_TEST_VARIABLE" in capfd.readouterr().err


def test_without_a_zygote_the_launcher_starts_a_fresh_kernel(tmp_path):
    outputs = run_page(tmp_path, [WARM], str(tmp_path / "no-socket"))
    assert outputs[0][0]["text"] == "False\n"


def run_async(coroutine):
    """asyncio.run in a thread of its own: this worker's thread may
    already run an event loop (Playwright's, for a browser test)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def streamed(messages):
    """The text a kernel streamed, from its iopub messages."""
    return "".join(m["content"]["text"] for m in messages
                   if m["msg_type"] == "stream")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_interrupts_reach_the_kernel_and_a_killed_launcher_takes_it(
        tmp_path, zygote):
    async def session():
        manager = WarmKernelManager(config=local_kernel(tmp_path),
                                    zygote=zygote.path)
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(
            "import os, sys\nprint(os.getpid(), 'tensorflow' in "
            "sys.modules)", output_hook=outputs.append)
        assert reply["content"]["status"] == "ok"
        start = time.monotonic()
        asyncio.get_running_loop().call_later(
            1.0, lambda: asyncio.ensure_future(manager.interrupt_kernel()))
        reply = await client.execute_interactive("import time\n"
                                                 "time.sleep(60)")
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - start < 20
        launcher = manager.provisioner.process
        launcher.send_signal(signal.SIGKILL)
        launcher.wait()
        client.stop_channels()
        await manager.shutdown_kernel(now=True)  # its files, its sockets
        manager.context.destroy()
        pid, warm = streamed(outputs).split()
        return int(pid), warm

    outputs = []
    with environment(zygote.env):
        kernel, warm = run_async(session())
    assert warm == "True" and kernel != os.getpid()
    deadline = time.monotonic() + 10
    while _alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(kernel)


async def _start(folder, zygote_path):
    manager = WarmKernelManager(config=local_kernel(folder),
                                zygote=zygote_path)
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    outputs = []
    await client.execute_interactive("import os\nprint(os.getpid())",
                                     output_hook=outputs.append)
    client.stop_channels()
    return manager, int(streamed(outputs))


async def _stop(manager):
    await manager.shutdown_kernel(now=True)
    manager.context.destroy()


def test_the_zygote_ends_with_the_build_and_takes_its_kernels(tmp_path):
    env = dict(os.environ)
    with Zygote(["numpy"], env=env) as running, environment(env):
        manager, kernel = run_async(_start(tmp_path, running.path))
        assert _alive(kernel)
        process, socket_path = running.process, running.path
    assert process.poll() is not None
    assert not os.path.exists(socket_path)
    deadline = time.monotonic() + 10
    while _alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(kernel)
    manager.provisioner.process.wait(timeout=10)  # the launcher too
    run_async(_stop(manager))
    with Zygote([]) as none:
        assert none.path is None and none.process is None
