"""Hostile requests for latent serve, shared by tests/hostile_server.py and bench/hostile.sh:
the server, payload makers and the attacks, each with the status it must get."""
import re
import signal
import struct
import subprocess
import zlib


def start_server(latent, index, *args, env=None):
    """latent serve on a free port: (process, port) once it listens."""
    proc = subprocess.Popen([latent, "serve", "--index", index, "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise AssertionError(f"latent serve did not start: {line} {proc.stderr.read()}")
    return proc, int(m.group(1))


def stop_server(proc):
    """SIGTERM; a server still running 30 s later is killed (and that is an error)."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("latent serve was still running 30 s after SIGTERM")


def post(path, body, content_type=b"application/json", extra=b"", host=b"127.0.0.1"):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\nContent-Type: " +
            content_type + b"\r\n" + extra + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def chunked(path, chunks, extra=b""):
    body = b"".join(b"%x\r\n" % len(c) + c + b"\r\n" for c in chunks) + b"0\r\n\r\n"
    return (b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n" + extra + b"\r\n" + body)


def png_bomb(inflated_mb):
    """A 28x28 grey PNG whose pixel data inflates to inflated_mb MB of zeros."""
    z = zlib.compressobj(9)
    block = bytes(1 << 20)
    data = b"".join(z.compress(block) for _ in range(inflated_mb)) + z.flush()

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 28, 28, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", data) + chunk(b"IEND", b""))


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024



def make_attacks(good):
    """{name: (payload maker, expected status)}; `good` is a valid JSON body for the model."""
    bomb = png_bomb(300)  # 300 KB on the wire
    bmp = b"BM" + bytes(100)
    return {
        "chunked body over --max-body (413)":
            (lambda: chunked(b"/api/encode", [b" " * (700 << 10)] * 3), 413),
        "chunked body to an unknown path (413)":
            (lambda: chunked(b"/x", [b"a" * (1 << 20)] * 4), 413),
        "Content-Length over --max-body to an unknown path (413)":
            (lambda: post(b"/x", b"a" * (3 << 20)), 413),
        "gzip-encoded body (415)":
            (lambda: post(b"/api/encode", zlib.compress(good), extra=b"Content-Encoding: gzip\r\n"), 415),
        "2,000 headers (431)":
            (lambda: b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 2000 + b"\r\n", 431),
        "a 200 KB header line (431)":
            (lambda: b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"a" * (200 << 10) + b"\r\n\r\n", 431),
        "PNG bomb: 28x28 inflating to 300 MB (400)":
            (lambda: post(b"/api/encode", bomb, content_type=b"image/png"), 400),
        "BMP sent as image/png (415)":
            (lambda: post(b"/api/encode", bmp, content_type=b"image/png"), 415),
        "Host: evil.example (DNS rebinding, 403)":
            (lambda: post(b"/api/encode", good, host=b"evil.example:8080"), 403),
        "Host: 127.evil.com (403)":
            (lambda: post(b"/api/encode", good, host=b"127.evil.com"), 403),
    }
