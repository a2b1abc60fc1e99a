"""Downloading from mirrors, against a local HTTP server on 127.0.0.1 (no internet).

The server's routes, each a "mirror" base URL:

* ``/good/NAME``: the file, with its Content-Length;
* ``/corrupt/NAME``: other bytes of the same length (checksum mismatch);
* ``/cut/NAME``: a Content-Length of the whole file, half of it, then the connection closes;
* anything else: 404.
"""

from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from fastnn.datasets import (MNIST_FILES, DownloadError, download_file, find_dataset,
                             load_mnist)


class _Handler(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}  # set per server
    requests: list[str]

    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        self.requests.append(self.path)
        route, _, name = self.path.strip("/").partition("/")
        content = self.files.get(name)
        if content is None or route not in ("good", "corrupt", "cut"):
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if route == "good":
            self.wfile.write(content)
        elif route == "corrupt":
            self.wfile.write(bytes(len(content)))
        else:
            self.wfile.write(content[: len(content) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)


class Server:
    def __init__(self, files: dict[str, bytes]):
        handler = type("Handler", (_Handler,), {"files": files, "requests": []})
        self.requests = handler.requests
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{route}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server(fake_mnist):
    server = Server(fake_mnist.blobs)
    yield server
    server.close()


@pytest.fixture
def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _leftovers(directory: Path) -> list[str]:
    return sorted(os.listdir(directory)) if directory.exists() else []


def test_success_places_the_verified_file(tmp_path, server, fake_mnist):
    known = fake_mnist.files["train_images"]
    path = download_file(known, tmp_path / "new", [server.url("good")], progress=False)
    assert path == tmp_path / "new" / known.name
    assert path.read_bytes() == fake_mnist.blobs[known.name]
    assert _leftovers(tmp_path / "new") == [known.name]


@pytest.mark.parametrize(
    "route, failure",
    [
        ("missing", "HTTP 404 Not Found"),
        ("corrupt", "checksum mismatch: expected md5 {md5}, sha256 {sha256}, got md5 "),
        ("cut", "connection closed after {half} of {size} bytes"),
    ],
)
def test_each_failure_leaves_nothing(tmp_path, server, fake_mnist, route, failure):
    known = fake_mnist.files["train_images"]
    size = len(fake_mnist.blobs[known.name])
    url = server.url(route)
    with pytest.raises(DownloadError) as error:
        download_file(known, tmp_path, [url], progress=False)
    message = str(error.value)
    expected = failure.format(md5=known.md5, sha256=known.sha256, half=size // 2, size=size)
    assert f"  {url}{known.name}: {expected}" in message
    assert _leftovers(tmp_path) == []


def test_falls_through_the_mirrors(tmp_path, server, fake_mnist, closed_port_url):
    known = fake_mnist.files["test_labels"]
    mirrors = [closed_port_url, server.url("missing"), server.url("corrupt"), server.url("cut"),
               server.url("good")]
    path = download_file(known, tmp_path, mirrors, progress=False)
    assert path.read_bytes() == fake_mnist.blobs[known.name]
    assert _leftovers(tmp_path) == [known.name]


def test_error_lists_urls_and_manual_steps(tmp_path, server, fake_mnist, closed_port_url):
    known = fake_mnist.files["train_labels"]
    mirrors = [closed_port_url, server.url("missing"), server.url("corrupt"), server.url("cut")]
    with pytest.raises(DownloadError) as error:
        download_file(known, tmp_path, mirrors, progress=False)
    message = str(error.value)
    assert f"Could not download {known.name} into {tmp_path}" in message
    lines = message.splitlines()
    for mirror in mirrors:
        assert any(line.startswith(f"  {mirror}{known.name}: ") for line in lines), mirror
    assert f"  {closed_port_url}{known.name}: cannot connect: " in message
    assert f"copy {known.name} " in message and f"into {tmp_path}" in message
    assert "FASTNN_DATA" in message
    assert _leftovers(tmp_path) == []


def test_loader_downloads_missing_files(tmp_path, server, fake_mnist):
    fake_mnist.write(tmp_path)
    (tmp_path / "train-images-idx3-ubyte.gz").unlink()
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    data = load_mnist(tmp_path, mirrors=[server.url("missing"), server.url("good")], progress=False)
    np.testing.assert_array_equal(data[0][0], fake_mnist.arrays["train_images"])
    assert sorted(path.strip("/").split("/")[1] for path in server.requests if "good" in path) == [
        "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz"]
    assert _leftovers(tmp_path) == sorted(fake_mnist.blobs)


def test_loader_download_failure_names_all_files(tmp_path, server, fake_mnist):
    with pytest.raises(DownloadError) as error:
        find_dataset("mnist", tmp_path / "cache", mirrors=[server.url("cut")], progress=False)
    message = str(error.value)
    assert f"{server.url('cut')}train-images-idx3-ubyte.gz: connection closed after" in message
    assert ("copy train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz") in message
    assert _leftovers(tmp_path / "cache") == []


def test_default_cache_is_used_for_downloads(no_data_env, server, fake_mnist):
    load_mnist(mirrors=[server.url("good")], progress=False)
    assert _leftovers(no_data_env / "xdg-cache" / "fastnn") == sorted(fake_mnist.blobs)


def test_progress_bar(tmp_path, server, fake_mnist, capsys):
    known = fake_mnist.files["train_images"]
    download_file(known, tmp_path, [server.url("good")], progress=True)
    assert known.name in capsys.readouterr().err


def test_downloads_the_real_files(tmp_path, mnist_dir):
    """The genuine gz files served locally, verified against the real checksums."""
    blobs = {known.name: (mnist_dir / known.name).read_bytes() for known in MNIST_FILES.values()}
    server = Server(blobs)
    try:
        (x_train, y_train), (x_test, _) = load_mnist(tmp_path, mirrors=[server.url("good")],
                                                     progress=False)
    finally:
        server.close()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert _leftovers(tmp_path) == sorted(blobs)


test_downloads_the_real_files = pytest.mark.realdata(test_downloads_the_real_files)
