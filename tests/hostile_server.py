"""Hostile requests against a running latent serve: each attack gets its status code, the server
still answers /healthz, and with 32 attackers at once its peak RSS stays bounded.
Usage: hostile_server.py ROOT LATENT MODEL INDEX"""
import atexit
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

from hostile_attacks import chunked, make_attacks, post, start_server, stop_server, vm_hwm_mb
from serve_client import Client, mnist_test_image, raw_exchange, status_of

root, latent, model, index = sys.argv[1:5]
seven, _ = mnist_test_image(root, 0)
good = json.dumps({"pixels": seven}).encode()
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
servers = []
atexit.register(lambda: [p.kill() for p in servers if p.poll() is None])
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def start(*args, env=None):
    proc, port = start_server(latent, index, *args, env=env)
    servers.append(proc)
    return proc, port


def healthy(port):
    try:
        return Client(port, timeout=10).get("/healthz")[0] == 200
    except OSError:
        return False


attacks = make_attacks(good)

proc, port = start("--max-connections", "2000")
for name, (make, status) in attacks.items():
    got = status_of(raw_exchange(port, make()))
    check(got == status and healthy(port), f"{name}: got {got}, /healthz answers")

# A good chunked body is decoded and served; Host: localhost:PORT is loopback.
got = status_of(raw_exchange(port, chunked(b"/api/encode", [good[:100], good[100:]])))
check(got == 200, f"a chunked body under the limit is served: {got}")
got = status_of(raw_exchange(port, post(b"/api/encode", good, host=b"localhost:%d" % port)))
check(got == 200, f"Host: localhost:PORT is served: {got}")

# Range: thousands of ranges must not repeat the page.
whole = raw_exchange(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
ranges = b"bytes=" + b",".join(b"0-99" for _ in range(700))
ranged = raw_exchange(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nRange: " + ranges + b"\r\n\r\n")
check(status_of(ranged) == 200 and len(ranged) < 2 * len(whole),
      f"700 ranges on / : status {status_of(ranged)}, {len(ranged)} bytes (the page alone: {len(whole)})")

# /api/info names no absolute path (the model and index were given by absolute paths).
info = Client(port).get("/api/info")[1]
check(os.path.dirname(os.path.abspath(index)) not in json.dumps(info), "/api/info names no absolute path")

# Connections per client: the 65th from one address gets 503, another address is served.
held = []
for _ in range(64):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    held.append(s)
time.sleep(0.3)
got = status_of(raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
other = status_of(raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                           source="127.0.0.2"))
check(got == 503 and other == 200, f"65th connection from one address: {got}; another address: {other}")
for s in held:
    s.close()

# Descriptors past FD_SETSIZE (1024): 1,100 idle connections from 30 addresses, then a request.
held = []
for i in range(1100):
    s = socket.socket()
    s.bind((f"127.0.0.{10 + i % 30}", 0))
    s.connect(("127.0.0.1", port))
    held.append(s)
time.sleep(0.5)
got = status_of(raw_exchange(port, post(b"/api/encode", good), source="127.0.0.3"))
check(got == 200, f"a request on a socket numbered past 1024 is served: {got}")
for s in held:
    s.close()

stop_server(proc)

# 32 attackers at once for a few seconds (a fresh server: the 1,100 connection threads above
# have their own cost): peak memory stays bounded.
proc, port = start()
stop_at = time.monotonic() + 6
statuses = {}


def attacker(i):
    names = list(attacks)
    n = i
    while time.monotonic() < stop_at:
        name = names[n % len(names)]
        n += 1
        try:
            got = status_of(raw_exchange(port, attacks[name][0]()))
        except OSError as e:  # counted: the check below allows only the attacks' statuses
            got = type(e).__name__
        statuses[got] = statuses.get(got, 0) + 1


threads = [threading.Thread(target=attacker, args=(i,)) for i in range(32)]
for t in threads:
    t.start()
for t in threads:
    t.join()
limit = os.path.getsize(model) / 2**20 + 300
hwm = vm_hwm_mb(proc.pid)
check(healthy(port) and hwm < limit and set(statuses) <= {400, 403, 413, 415, 431},
      f"32 attackers for 6 s: statuses {dict(sorted(statuses.items(), key=str))}, peak RSS {hwm:.0f} MB (limit {limit:.0f} MB)")
stop_server(proc)

# A slow reader: responses it does not read are abandoned after --response-timeout.
proc, port = start("--response-timeout", "2")
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 5000)
time.sleep(1)
opened = Client(port).get("/healthz")[1]["open_connections"]
deadline = time.monotonic() + 10
while time.monotonic() < deadline and Client(port).get("/healthz")[1]["open_connections"] > 1:
    time.sleep(0.5)
left = Client(port).get("/healthz")[1]["open_connections"]
check(opened >= 2 and left == 1, f"a client that stops reading is cut off: {opened} open, then {left} (itself)")
s.close()
stop_server(proc)

# --max-body above 1 MiB takes effect: a 2 MB JSON body (padded) is served.
proc, port = start("--max-body", "4000000")
padded = good[:-1] + b" " * (2 << 20) + b"}"
got = status_of(raw_exchange(port, post(b"/api/encode", padded)))
check(got == 200, f"--max-body 4000000 takes a 2 MB body: {got}")
stop_server(proc)

# The token from a file and from LATENT_TOKEN.
token_file = os.path.join(os.path.dirname(os.path.abspath(index)), "token")
with open(token_file, "w") as f:
    f.write("s3cret\n")
for how, args, env in [("--token-file", ["--token-file", token_file], None),
                       ("LATENT_TOKEN", [], dict(os.environ, LATENT_TOKEN="s3cret"))]:
    proc, port = start(*args, env=env)
    wrong = Client(port, token="s3cre").post("/api/encode", {"pixels": seven})[0]
    right = Client(port, token="s3cret").post("/api/encode", {"pixels": seven})[0]
    check(wrong == 401 and right == 200, f"token from {how}: wrong {wrong}, right {right}")
    stop_server(proc)

# A host name that starts with 127. is not loopback.
r = subprocess.run([latent, "serve", "--index", index, "--host", "127.evil.com", "--port", "0"], capture_output=True,
                   text=True, timeout=60)
check(r.returncode == 2 and "--token" in r.stderr, f"--host 127.evil.com needs a token: exit {r.returncode}")

# SIGTERM as soon as the server has its handler (while it loads, before it listens): exit 0,
# never a hang.
def catches_sigterm(pid):
    with open(f"/proc/{pid}/status") as f:
        caught = int(re.search(r"SigCgt:\s+([0-9a-f]+)", f.read()).group(1), 16)
    return caught & (1 << (signal.SIGTERM - 1))


for attempt in range(3):
    p = subprocess.Popen([latent, "serve", "--index", index, "--port", "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    servers.append(p)
    while p.poll() is None and not catches_sigterm(p.pid):
        time.sleep(0.001)
    p.send_signal(signal.SIGTERM)
    try:
        p.communicate(timeout=30)
        code = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        code = "still running after 30 s"
    check(code == 0, f"SIGTERM once the handler is set, before listening (attempt {attempt + 1}): exit {code}")

print("hostile server: %d checks failed" % len(failures))
sys.exit(1 if failures else 0)
