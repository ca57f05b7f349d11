"""The test suite's web server: a request the browser drops is not an
error (no traceback in the test output); a real error still is."""

import socket
from urllib.parse import urlparse

import pytest

from site_support import serve

pytestmark = pytest.mark.slow


def test_a_dropped_request_prints_nothing(tmp_path, capfd):
    (tmp_path / "big.bin").write_bytes(b"x" * 20_000_000)
    with serve(tmp_path) as url:
        address = urlparse(url)
        for _ in range(3):
            with socket.create_connection((address.hostname,
                                           address.port)) as sock:
                sock.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
                sock.recv(1024)             # the answer has started
            # closed here, while the server still writes
    assert "Traceback" not in capfd.readouterr().err
