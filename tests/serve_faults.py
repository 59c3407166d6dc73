"""latent serve under faults: slow clients and 1,000 idle connections do not starve a normal
client; over --max-connections new connections get 503; SIGTERM finishes requests in flight.
Usage: serve_faults.py ROOT LATENT MODEL INDEX"""
import atexit
import json
import re
import resource
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time

from serve_client import Client, mnist_test_image, raw_exchange, read_response, status_of

root, latent, model, index = sys.argv[1:5]
seven, _ = mnist_test_image(root, 0)
good = json.dumps({"pixels": seven}).encode()
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)


servers = []
atexit.register(lambda: [p.kill() for p in servers if p.poll() is None])  # a failed check leaves none behind


def start(*args):
    proc = subprocess.Popen([latent, "serve", "--model", model, "--index", index, "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    servers.append(proc)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert m, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, int(m.group(1))


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, (proc.returncode, err)
    return err


def good_requests(port, n, limit):
    """n searches on fresh connections; each must succeed within `limit` seconds (a generous bound:
    a starved client would wait for the slow ones' timeouts, many seconds)."""
    worst = 0.0
    for _ in range(n):
        start_time = time.monotonic()
        status, body = Client(port, timeout=limit).post("/api/search?k=3", {"pixels": seven})
        worst = max(worst, time.monotonic() - start_time)
        assert status == 200 and body["results"][0]["id"] == 0, (status, body)
    assert worst < limit, worst
    return worst


def connect_many(port, n):
    """n connections from 40 client addresses (127.0.0.10-49: one address may hold only
    --max-connections-per-client of them)."""
    socks = []
    for i in range(n):
        s = socket.socket()
        s.settimeout(10)
        s.bind((f"127.0.0.{10 + i % 40}", 0))
        s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks


# 1. Slow-loris: 200 clients dribble a request's headers one byte at a time. A normal client is
# served meanwhile; the slow ones get 408 once --request-timeout (2 s) has passed.
proc, port = start("--request-timeout", "2", "--keep-alive-timeout", "2")
slow = connect_many(port, 200)
head = b"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 9999\r\n"
t0 = time.monotonic()
sent = 0
while time.monotonic() - t0 < 3.5:
    for s in slow:
        try:
            s.send(head[sent % len(head):sent % len(head) + 1])
        except OSError:
            pass
    sent += 1
    if sent == 3:
        worst = good_requests(port, 20, 1.5)
    time.sleep(0.1)
answers = {}
for s in slow:
    s.settimeout(5)
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    answers[status_of(data)] = answers.get(status_of(data), 0) + 1
    s.close()
assert answers == {408: 200}, answers
status, health = Client(port).get("/healthz")
assert health["timed_out"] == 200, health
print("slow clients: 200 slow-loris connections all cut off with 408; 20 normal requests served meanwhile "
      "(slowest %.3f s)" % worst)
# A client that stops in the middle of its body gets 408 at the deadline too, and is counted.
started = time.monotonic()
answer = raw_exchange(port, head + b"\r\n" + b'{"pixels": [0', timeout=6, half_close=False)
waited = time.monotonic() - started
assert status_of(answer) == 408 and 1.5 < waited < 4, (answer[:100], waited)
status, health = Client(port).get("/healthz")
assert health["timed_out"] == 201, health
stop(proc)

# 2. 1,000 connections open at once and idle: a normal client is still served.
proc, port = start("--keep-alive-timeout", "30")
idle = connect_many(port, 1000)
time.sleep(0.5)
worst = good_requests(port, 20, 1.5)
status, health = Client(port).get("/healthz")
assert health["open_connections"] >= 1000, health
for s in idle:
    s.close()
print("1,000 idle connections: 20 normal requests served meanwhile (slowest %.3f s)" % worst)
stop(proc)

# 3. Over --max-connections: 503 at once, and served again when connections close.
proc, port = start("--max-connections", "50", "--keep-alive-timeout", "30")
idle = connect_many(port, 50)
time.sleep(0.3)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
data = s.recv(4096)
assert status_of(data) == 503 and b"too_many_connections" in data, data
s.close()
for s in idle:
    s.close()
time.sleep(0.3)
good_requests(port, 3, 5)
print("connection limit: the 51st connection got 503; after the others closed, requests were served")
stop(proc)

# 4. SIGTERM with a request in flight (half its body sent) and an idle keep-alive connection:
# the request is answered, the idle connection is closed, new connections are refused, exit 0.
proc, port = start()
busy = socket.create_connection(("127.0.0.1", port), timeout=10)
busy.sendall(b"POST /api/search?k=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
             str(len(good)).encode() + b"\r\n\r\n" + good[:len(good) // 2])
idle = socket.create_connection(("127.0.0.1", port), timeout=10)
idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
assert status_of(read_response(idle)) == 200
time.sleep(0.3)
proc.send_signal(signal.SIGTERM)
time.sleep(0.5)
assert idle.recv(4096) == b"", "the idle connection should be closed at shutdown"
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    raise AssertionError("the server still accepts connections after SIGTERM")
except ConnectionRefusedError:
    pass
busy.sendall(good[len(good) // 2:])
response = read_response(busy)
assert status_of(response) == 200 and b'"results"' in response, response[:300]
out, err = proc.communicate(timeout=30)
assert proc.returncode == 0 and "SIGTERM" in err, (proc.returncode, err)
print("SIGTERM: the request in flight was answered (200), the idle connection closed, new ones refused, exit 0")
