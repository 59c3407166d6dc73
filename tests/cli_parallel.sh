#!/usr/bin/env bash
# Data-parallel training from the CLI: a rank that dies makes the other exit non-zero within
# 30 s (no hang), --nproc opens no port beyond loopback and reports a failed rank, bad flags are
# one line and exit 2.
# Usage: cli_parallel.sh path/to/latent
set -uo pipefail
latent=$1
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
small=(train --data mnist --limit 500 --val 0 --latent 8 --epochs 1 --out "$work/bad.model")
expect_bad "--precision fp16" "--precision fp16: expected fp32 or bf16" "$latent" "${small[@]}" --precision fp16
expect_bad "--replicas -1" "--replicas must be in 0..256" "$latent" "${small[@]}" --replicas -1
expect_bad "--rank 2 of 2" "--rank 2: expected 0..1" "$latent" "${small[@]}" --world-size 2 --rank 2
expect_bad "--master without port" "--master 'localhost': expected HOST:PORT" "$latent" "${small[@]}" --world-size 2 --master localhost
expect_bad "--nproc with --world-size" "do not combine it with --world-size" "$latent" "${small[@]}" --nproc 2 --world-size 2

# Two ranks by hand on a free port; kill rank 1 once both train, time rank 0's exit.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
long=(train --data mnist --limit 20000 --val 0 --layers 64 --latent 8 --epochs 100 --threads 1
      --world-size 2 --master "127.0.0.1:$port")
"$latent" "${long[@]}" --rank 0 --out "$work/r0.model" --log "$work/r0.jsonl" 2>"$work/r0.err" &
rank0=$!; pids+=("$rank0")
"$latent" "${long[@]}" --rank 1 --out "$work/r1.model" 2>"$work/r1.err" &
rank1=$!; pids+=("$rank1")
# Training has begun when rank 0 logged an epoch (or 60 s passed on a busy machine).
for _ in $(seq 120); do [ -s "$work/r0.jsonl" ] && break; sleep 0.5; done
[ -s "$work/r0.jsonl" ] || fail "rank 0 logged no epoch within 60 s: $(tail -2 "$work/r0.err")"
[ -e "$work/r1.model" ] && fail "rank 1 wrote a model file (only rank 0 writes)"
kill -9 "$rank1"
start=$(date +%s)
wait "$rank0"; code=$?
elapsed=$(( $(date +%s) - start ))
[ "$code" -ne 0 ] || fail "rank 0 exited 0 after its peer died"
[ "$elapsed" -le 30 ] || fail "rank 0 took $elapsed s to notice its dead peer"
grep -qF "rank 0 of 2: all-reduce failed (another rank died or closed its connection)" "$work/r0.err" ||
  fail "rank 0's error does not say its peer died in training: $(tail -1 "$work/r0.err")"
echo "rank 0 exited with $code after $elapsed s: $(tail -1 "$work/r0.err")"

# A rank that stops answering (SIGSTOP) is caught by the timeout (here --timeout 5).
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
long=(train --data mnist --limit 20000 --val 0 --layers 64 --latent 8 --epochs 100 --threads 1 --timeout 5
      --world-size 2 --master "127.0.0.1:$port")
rm -f "$work/r0.jsonl" "$work/r0.model" "$work/r0.model.ckpt"  # a new run: no model to overwrite
"$latent" "${long[@]}" --rank 0 --out "$work/r0.model" --log "$work/r0.jsonl" 2>"$work/r0.err" &
rank0=$!; pids+=("$rank0")
"$latent" "${long[@]}" --rank 1 --out "$work/r1.model" 2>"$work/r1.err" &
rank1=$!; pids+=("$rank1")
for _ in $(seq 120); do [ -s "$work/r0.jsonl" ] && break; sleep 0.5; done
[ -s "$work/r0.jsonl" ] || fail "rank 0 logged no epoch before its peer was stopped: $(tail -2 "$work/r0.err")"
kill -STOP "$rank1"
start=$(date +%s)
wait "$rank0"; code=$?
elapsed=$(( $(date +%s) - start ))
kill -KILL "$rank1"
[ "$code" -ne 0 ] || fail "rank 0 exited 0 while its peer was stopped"
[ "$elapsed" -le 30 ] || fail "rank 0 took $elapsed s to give up on a stopped peer"
# An all-reduce (not the rendezvous) timed out: the ranks had been training together.
grep -qF "rank 0 of 2: all-reduce failed (timed out: another rank stopped answering within 5 s)" "$work/r0.err" ||
  fail "rank 0's error does not say its peer stopped answering in training: $(tail -1 "$work/r0.err")"
echo "stopped peer: rank 0 exited with $code after $elapsed s: $(tail -1 "$work/r0.err")"

# --nproc: the ranks meet through a file in a private directory, so every socket they hold is on
# loopback (a TCPStore would listen on every interface for the whole run; Gloo's listener closes
# once the ranks are connected), and the directory goes when they end.
mkdir -p "$work/tmp"
TMPDIR=$work/tmp "$latent" train --data mnist --limit 20000 --val 0 --layers 64 --latent 8 --epochs 3 --nproc 2 \
  --out "$work/nproc.model" --log "$work/nproc.jsonl" >/dev/null 2>"$work/nproc.err" &
launcher=$!; pids+=("$launcher")
for _ in $(seq 120); do [ -s "$work/nproc.jsonl" ] && break; sleep 0.5; done
[ -s "$work/nproc.jsonl" ] || fail "--nproc 2 logged no epoch within 60 s: $(tail -2 "$work/nproc.err")"
ranks=$(pgrep -P "$launcher" | tr '\n' ' ')
[ "$(echo $ranks | wc -w)" -eq 2 ] || fail "--nproc 2 did not start 2 ranks: '$ranks'"
sockets=$(/usr/bin/python3 - $ranks <<'PY'
import ipaddress, os, sys
inodes = set()
for pid in sys.argv[1:]:
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
for table in ("tcp", "tcp6"):
    for line in open(f"/proc/net/{table}").readlines()[1:]:
        f = line.split()
        if f[9] not in inodes:
            continue
        raw = bytes.fromhex(f[1].split(":")[0])
        # /proc/net shows addresses as host-order 32-bit words.
        address = ipaddress.ip_address(b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)))
        if getattr(address, "ipv4_mapped", None):
            address = address.ipv4_mapped
        state = "listen" if f[3] == "0A" else "connected"
        print(state, address, int(f[1].split(":")[1], 16))
PY
)
echo "--nproc 2 ranks' sockets: $(echo "$sockets" | tr '\n' ';')"
[ -n "$sockets" ] || fail "found no socket of the ranks (they talk over loopback)"
echo "$sockets" | grep -vE '^(listen|connected) (127\.|::1 )' | grep . && fail "a rank of --nproc holds a socket beyond loopback"
wait "$launcher" || fail "--nproc 2 failed: $(tail -2 "$work/nproc.err")"
[ -s "$work/nproc.model" ] || fail "--nproc 2 wrote no model"
[ -z "$(ls -A "$work/tmp")" ] || fail "--nproc left its rendezvous directory behind: $(ls "$work/tmp")"

# --nproc: a rank that fails (here: every rank, bad data) makes the launcher fail too.
"$latent" train --data idx:/nonexistent --epochs 1 --nproc 2 --out "$work/bad.model" >/dev/null 2>"$work/stderr"
[ $? -ne 0 ] || fail "--nproc with failing ranks exited 0"
grep -qE -- "--nproc 2: rank [01] exited with code 2" "$work/stderr" ||
  fail "--nproc did not name the failed rank and its exit code: $(cat "$work/stderr")"

[ "$failures" -eq 0 ] && echo "cli_parallel: all passed"
exit $((failures > 0))
