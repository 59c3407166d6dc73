#!/usr/bin/env bash
# On paper: what W machines like this one would give on the benchmark model with data-parallel
# training over c10d/Gloo, from two measurements taken here: one machine's training speed
# (best of ROUNDS, default settings) and the cost of all-reducing the model's gradients
# (bench/allreduce_cost, 2 ranks on loopback). Ring all-reduce moves 2(W-1)/W x gradient bytes
# over each machine's link, plus 2(W-1) latency hops. Bandwidth and hop latency are the best of
# 200 all-reduces on loopback: on a shared machine the median measures the scheduler.
# Usage: bench/scaling.sh [ROUNDS=3]   Prints markdown tables (bench/scaling.md pastes them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
build="$root/build"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$root/bench/bench_lib.sh"
params=$((784 * 256 + 256 + 256 * 32 + 32 + 32 * 256 + 256 + 256 * 784 + 784))
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
allreduce() {  # FLOATS -> JSON from rank 0
  local port; port=$(free_port)
  "$build/bench/allreduce_cost" 1 2 "127.0.0.1:$port" "$1" >/dev/null &
  local other=$!
  "$build/bench/allreduce_cost" 0 2 "127.0.0.1:$port" "$1"
  wait "$other"
}
speeds=""
for _ in $(seq "$rounds"); do
  "$build/latent" train --data mnist --layers 256 --latent 32 --batch 256 --lr 1e-3 --schedule constant --val 0 \
    --epochs 3 --out "$tmp/m.model" --overwrite --log "$tmp/m.jsonl" 2>/dev/null
  speed=$(/usr/bin/python3 -c "import json; print(max(json.loads(l)['images_per_s'] for l in open('$tmp/m.jsonl')))")
  number "images/s" "$speed"
  speeds+=" $speed"
done
gradient=$(allreduce $((params + 1)))
latency=$(allreduce 1)
/usr/bin/python3 - "$params" "$speeds" "$gradient" "$latency" <<'PY'
import json, sys
params = int(sys.argv[1])
speed = max(float(v) for v in sys.argv[2].split())
grad, tiny = json.loads(sys.argv[3]), json.loads(sys.argv[4])
size = 4 * (params + 1)
hop = tiny["best_s"] / 2            # 2 ranks: a 1-float ring all-reduce is 2 hops
loopback = 2 * 0.5 * size / grad["best_s"]   # bus bandwidth, 2(W-1)/W x bytes / s at W = 2
print(f"Measured: one machine {speed:.0f} images/s (default settings, best of runs); gradients {params} floats "
      f"= {size / 1e6:.2f} MB; all-reduce of them over Gloo on loopback, 2 ranks: median {grad['median_s'] * 1e3:.2f} ms, "
      f"best {grad['best_s'] * 1e3:.2f} ms (best: bus bandwidth {loopback / 1e9:.2f} GB/s); 1-float all-reduce "
      f"median {tiny['median_s'] * 1e6:.0f} us, best {tiny['best_s'] * 1e6:.0f} us (hop latency {hop * 1e6:.0f} us).\n")
links = [("loopback (measured)", loopback), ("25 Gbit/s", 25e9 / 8), ("10 Gbit/s", 10e9 / 8), ("1 Gbit/s", 1e9 / 8)]
def allreduce_s(w, bandwidth):
    return 2 * (w - 1) / w * size / bandwidth + 2 * (w - 1) * hop
for title, per_machine in (("Weak scaling: batch 256 per machine (global batch 256 W)", lambda w: 256),
                           ("Strong scaling: global batch 256 split over W machines", lambda w: 256 / w)):
    print(f"{title}; images/s (parallel efficiency):\n")
    print("| W | " + " | ".join(name for name, _ in links) + " |")
    print("|---|" + "---|" * len(links))
    for w in (2, 4, 8, 16, 32, 64):
        cells = []
        for _, bandwidth in links:
            b = per_machine(w)
            step = b / speed + allreduce_s(w, bandwidth)
            rate = w * b / step
            cells.append(f"{rate:,.0f} ({rate / (w * speed):.0%})")
        print(f"| {w} | " + " | ".join(cells) + " |")
    print()
PY
