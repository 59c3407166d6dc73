#!/usr/bin/env bash
# Hostile requests against `latent serve` (the attacks of tests/hostile_attacks.py): for each,
# the status and the time from sending to the answer (best and median of 5), then the server's
# peak resident memory (VmHWM) idle and after 32 attackers for 10 s, and the same for a PNG that
# inflates to 1 GB. The model: 784-256-32 trained 1 epoch on 1,000 MNIST images; the index: 500
# test images. Last line: one JSON object.
# Usage: bench/hostile.sh [path/to/latent]   (default: build/latent; another binary gives its numbers)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
latent=${1:-$root/build/latent}
[ -x "$latent" ] || "$root/scripts/build.sh" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$latent" train --data mnist --limit 1000 --layers 256 --latent 32 --epochs 1 --seed 1 --out "$work/m.model" 2>/dev/null >/dev/null
"$latent" index build --model "$work/m.model" --data mnist --split test --limit 500 --out "$work/m.index" >/dev/null 2>&1
PYTHONPATH="$root/tests" /usr/bin/python3 - "$root" "$latent" "$work/m.index" <<'PY'
import json, statistics, sys, threading, time
from hostile_attacks import make_attacks, png_bomb, post, start_server, stop_server, vm_hwm_mb
from serve_client import mnist_test_image, raw_exchange, status_of

root, latent, index = sys.argv[1:4]
good = json.dumps({"pixels": mnist_test_image(root, 0)[0]}).encode()
attacks = make_attacks(good)
attacks["PNG bomb: 28x28 inflating to 1 GB (400)"] = (lambda b=png_bomb(1024): post(b"/api/encode", b,
                                                       content_type=b"image/png"), 400)
report = {"attacks": {}}
proc, port = start_server(latent, index)
time.sleep(0.5)
report["idle_vm_hwm_mb"] = round(vm_hwm_mb(proc.pid))
print(f"{'attack':58s} {'status':>6s} {'best ms':>8s} {'median ms':>9s}")
for name, (make, expected) in attacks.items():
    payload, times, status = make(), [], None
    for _ in range(5):
        t0 = time.perf_counter()
        status = status_of(raw_exchange(port, payload))
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{name:58s} {status!s:>6s} {min(times):8.1f} {statistics.median(times):9.1f}")
    report["attacks"][name] = {"status": status, "best_ms": round(min(times), 1),
                               "median_ms": round(statistics.median(times), 1)}
stop_server(proc)

proc, port = start_server(latent, index)
stop_at, count = time.monotonic() + 10, [0]
names = list(attacks)
def attacker(i):
    while time.monotonic() < stop_at:
        raw_exchange(port, attacks[names[i % len(names)]][0]())
        count[0] += 1
        i += 1
threads = [threading.Thread(target=attacker, args=(i,)) for i in range(32)]
for t in threads: t.start()
for t in threads: t.join()
report["attackers_32_vm_hwm_mb"] = round(vm_hwm_mb(proc.pid))
report["attackers_32_requests"] = count[0]
print(f"32 attackers for 10 s: {count[0]} requests, peak RSS {report['attackers_32_vm_hwm_mb']} MB "
      f"(idle {report['idle_vm_hwm_mb']} MB)")
stop_server(proc)
print(json.dumps(report))
PY
