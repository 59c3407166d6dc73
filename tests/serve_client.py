"""Helpers shared by the latent serve tests (standard library only)."""
import base64
import http.client
import json
import socket
import struct
import zlib


def mnist_test_image(root, index):
    """Raw pixels (0..255) of MNIST test image `index`, and its label."""
    with open(f"{root}/data/mnist/t10k-images-idx3-ubyte", "rb") as f:
        f.seek(16 + 784 * index)
        pixels = list(f.read(784))
    with open(f"{root}/data/mnist/t10k-labels-idx1-ubyte", "rb") as f:
        f.seek(8 + index)
        label = f.read(1)[0]
    return pixels, label


def png_bytes(pixels, width, height):
    """A grayscale 8-bit PNG (no filter), for sending images as the browser would."""
    raw = b"".join(b"\x00" + bytes(pixels[y * width:(y + 1) * width]) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def png_size(b64):
    data = base64.b64decode(b64)
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    return struct.unpack(">II", data[16:24])


class Client:
    def __init__(self, port, token=None, timeout=30):
        self.port, self.token, self.timeout = port, token, timeout

    def request(self, method, path, body=None, content_type="application/json", headers=None):
        """(status, parsed JSON or raw text) on a fresh connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            h["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        data = res.read()
        conn.close()
        if res.getheader("Content-Type", "").startswith("application/json"):
            return res.status, json.loads(data)
        return res.status, data

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def get(self, path):
        return self.request("GET", path)


def raw_exchange(port, payload, timeout=10, source="127.0.0.1", half_close=True):
    """Sends raw bytes from address `source` (as many as the server takes: it may answer and
    close first), returns what the server answers until it closes or goes quiet. With
    half_close the client then says it has nothing more to send; without, it stays silent, as a
    client waiting for its answer (or one that stalled) does."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    try:
        try:
            s.sendall(payload)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:  # broken pipe, reset, or no longer connected
            pass
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
    finally:
        s.close()


def status_of(response):
    """The status code of a raw HTTP response, or None when there was none."""
    if not response.startswith(b"HTTP/1.1 "):
        return None
    return int(response[9:12])


def read_response(sock):
    """One whole HTTP response (headers and Content-Length body) from a socket, or what came
    before the peer closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body
