#!/usr/bin/python3
"""Runs every command README.md shows and checks what it prints against the README's transcripts.

  readme_commands.py LATENT [README]               check: small settings, scratch directory
  readme_commands.py LATENT [README] --regenerate  rewrite each transcript's output in README

A ```sh block is commands; a ``` block whose lines start with "$ " is a transcript (each "$ "
line followed by what it printed, stdout and stderr together). Commands run in order in one
scratch directory (data/ and bench/ link to the repository's), the `latent` on PATH being LATENT. A check
compares keys, not numbers: the words of each output line that are not values (the key of
"key value" lines, a table's header row, the words of a message) and the key paths of JSON.
Every command runs or is listed in SKIP with the reason; anything else fails.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

# Commands the README shows that do not run here, matched by prefix, with the reason.
SKIP = {
    "scripts/demo.sh": "the demo itself (minutes; trains six models on all of MNIST)",
    "scripts/test.sh": "the whole test suite, of which this check is one test",
    "bench/knn.sh": "a benchmark (an 80-epoch deep autoencoder); its table is bench output",
    "# rank 1 killed": "a comment: the line below it is tests/cli_parallel.sh's kill of a rank",
    "bash tests/cli_crash.sh": "a ctest of its own (cli_crash_safety, minutes)",
    "scripts/fuzz.sh": "needs the clang fuzz build (scripts/test.sh runs it for 15 s)",
}

# Transcripts of benchmark models: the check runs them on a stand-in made by an earlier README
# command (same keys and columns); --regenerate leaves their output as it is.
STAND_IN = {"out/bench/sda_all.clf": "clf.model"}

# The small settings, one table: (pattern, replacement) applied in order to each latent command.
LIMITED = r"(train|pretrain|classify train|classify eval|eval|index build|search|encode|embed|reconstruct|denoise|" \
          r"generate|interpolate|plot|compress|anomaly fit|anomaly eval|anomaly score)"
SMALL = [
    (r"--epochs \d+", "--epochs 1"),
    (r"--epochs-per-layer \d+", "--epochs-per-layer 1"),
    (r"--finetune-epochs \d+", "--finetune-epochs 1"),
    (r"--iw-samples \d+", "--iw-samples 10"),
    (r"--n \d+", "--n 100"),                                    # eval-retrieval queries
    (r"--layers 1000,500,250", "--layers 100,50,25"),         # the deep recipes' shape, smaller
    (r"--layers 1000", "--layers 100"),
    (r"^(latent (train|classify train) )(?!.*--epochs )", r"\1--epochs 1 "),  # their default is 10+
    (r"^(latent knn )", r"\1--train-limit 2000 --test-limit 200 "),
    (rf"^(latent {LIMITED} )(?!.*--limit )", r"\1--limit 2000 "),  # MNIST slices, not all 70,000
]

# Transcripts too slow to regenerate at full settings (the README says so beside them).
REGEN_SMALL = ["latent train --data mnist --type binary"]

# What the README shows commands exit with, when not 0 (the bad-input examples).
EXIT_CODES = {"latent train --data csv:ragged.csv": 2, "latent eval --model notes.txt": 2, "latent serch": 2}

# 0.7s, 784-32, (50992, 83.8%, 1/20, 20, and paths (data/emoji/apple/1f600.png: a search's results)
VALUE = re.compile(r"[-+(\[]?\.?\d[\w.,/:%+-]*[)\],;]*|\S*/\S*")
PORT = 8080  # what the README shows; the check's server listens on a free port instead


class Block:
    def __init__(self, lang, start, lines):
        self.lang, self.start, self.lines = lang, start, lines  # start: index of the first line


class Command:
    def __init__(self, text, block, output=None, first=0, end=0):
        self.text, self.block, self.output = text, block, output  # output None: a ```sh command
        self.first, self.end = first, end  # the output's line range in README (transcripts)


def blocks(readme_lines):
    found, open_at, lang = [], None, ""
    for i, line in enumerate(readme_lines):
        if line.startswith("```"):
            if open_at is None:
                open_at, lang = i + 1, line[3:].strip()
            else:
                found.append(Block(lang, open_at, readme_lines[open_at:i]))
                open_at = None
    return found


def join_continued(lines, i):
    """The command starting at lines[i] with its "\\"-continued lines; the index after it."""
    text = lines[i]
    while text.endswith("\\") and i + 1 < len(lines):
        i += 1
        text = text[:-1] + " " + lines[i].strip()
    return re.sub(r"\s+", " ", text.strip()), i + 1


def commands(readme_lines):
    """Every command of the README's sh blocks and transcripts, in order."""
    found = []
    for block in blocks(readme_lines):
        lines = block.lines
        if block.lang == "sh":
            i = 0
            while i < len(lines):
                text, nxt = join_continued(lines, i)
                if text and not text.startswith("#"):
                    found.append(Command(text, block))
                i = nxt
        elif any(line.startswith("$ ") for line in lines):
            i = 0
            while i < len(lines):
                if not lines[i].startswith("$ "):
                    raise SystemExit(f"README.md:{block.start + i + 1}: transcript output before any command")
                text, i = join_continued(lines, i)
                first = i
                while i < len(lines) and not lines[i].startswith("$ "):
                    i += 1
                found.append(Command(text[2:], block, lines[first:i], block.start + first, block.start + i))
        else:  # a results table: it must not hide a command
            for k, line in enumerate(lines):
                if re.match(r"latent [a-z-]+( [a-z-]+)? --", line):
                    raise SystemExit(f"README.md:{block.start + k + 1}: a latent command outside a sh block or "
                                     "transcript: make it one")
    return found


def without_comment(text):
    return re.sub(r"\s+#\s.*$", "", text)


def small(text):
    for pattern, replacement in SMALL:
        text = re.sub(pattern, replacement, text)
    return text


def signature(lines):
    """(text keys, JSON key paths) of output lines: what a transcript's output must keep."""
    words, paths = set(), []
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            try:
                paths.append(sorted(json_paths(json.loads(line))))
                continue
            except ValueError:
                pass
        key = tuple(w for w in line.split() if not VALUE.fullmatch(w))
        if key and key != ("...",):
            words.add(key)
    return words, paths


def json_paths(value, prefix=""):
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in {prefix + k} | json_paths(v, prefix + k + ".")}
    if isinstance(value, list) and value:
        return json_paths(value[0], prefix + "[].")
    return set()


def compare(shown, printed):
    """Problems with `printed` against the transcript's `shown` output: missing or new keys."""
    (want, want_json), (got, got_json) = signature(shown), signature(printed)
    problems = [f"missing line: {' '.join(k)}" for k in sorted(want - got)]
    if "..." not in (s.strip() for s in shown):  # "..." stands for more lines of the same keys
        problems += [f"new line: {' '.join(k)}" for k in sorted(got - want)]
    if want_json != got_json:
        problems.append(f"JSON keys {got_json}, the README shows {want_json}")
    return problems


def shorten(lines):
    """Output as a transcript shows it: runs of 3+ lines with one signature become first, ..., last."""
    out, i = [], 0
    while i < len(lines):
        j = i
        key = signature([lines[i]])[0]
        while key and j + 1 < len(lines) and signature([lines[j + 1]])[0] == key:
            j += 1
        out += [lines[i], "...", lines[j]] if j - i >= 2 else lines[i:j + 1]
        i = j + 1
    # Base64 thumbnails: 16 characters are enough to show what they are.
    return [re.sub(r'("thumbnail": ?"[A-Za-z0-9+/]{16})[A-Za-z0-9+/=]*"', r'\1..."', s.rstrip()) for s in out]


class Runner:
    def __init__(self, latent, root, work, regenerate):
        self.root, self.work, self.regenerate = root, work, regenerate
        bin_dir = os.path.join(work, ".bin")
        os.makedirs(bin_dir)
        os.symlink(os.path.abspath(latent), os.path.join(bin_dir, "latent"))
        os.symlink(os.path.join(root, "data"), os.path.join(work, "data"))
        os.symlink(os.path.join(root, "bench"), os.path.join(work, "bench"))  # the table generator
        self.env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"],
                        LATENT_DATA="data")  # the link above: paths in transcripts do not name this machine
        self.server, self.server_log, self.server_seen, self.port = None, None, 0, None

    def prepare(self, cmd):
        """The shell text to run: small settings, stand-ins, the server's real port."""
        text = without_comment(cmd.text)
        for bench, stand_in in STAND_IN.items():
            text = text.replace(bench, stand_in)
        # Regeneration runs transcripts at full settings and what they need at small ones.
        full = self.regenerate and cmd.output is not None and not any(cmd.text.startswith(p) for p in REGEN_SMALL)
        if text.startswith("latent ") and not full:
            text = small(text)
        if self.port:
            text = text.replace(f"localhost:{PORT}", f"localhost:{self.port}")
        return text

    def run(self, cmd):
        """(exit code, output lines) of one README command."""
        text = self.prepare(cmd)
        if text.startswith("latent serve"):
            return self.start_server(text)
        done = subprocess.run(["bash", "-c", text], cwd=self.work, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=900)
        lines = done.stdout.splitlines()
        if self.server and self.server.poll() is None:
            try:  # the command may have stopped the server: what it printed then belongs here
                self.server.wait(timeout=30 if "$server_pid" in text else 0.5)
            except subprocess.TimeoutExpired:
                pass
        if self.server and self.server.poll() is not None:
            lines += self.server_output()
            self.server = None
        return done.returncode, lines

    def start_server(self, text):
        if "--port" not in text:
            text += " --port 0"
        self.server_log = open(os.path.join(self.work, ".serve.log"), "w+")
        self.server = subprocess.Popen(["bash", "-c", "exec " + text], cwd=self.work, env=self.env,
                                       stdout=self.server_log, stderr=subprocess.STDOUT)
        self.env["server_pid"] = str(self.server.pid)
        self.server_seen = 0
        deadline = time.time() + 120
        while time.time() < deadline and self.server.poll() is None:
            with open(self.server_log.name) as f:
                m = re.search(r"http://127\.0\.0\.1:(\d+)/", f.read())
            if m:
                self.port = m.group(1)
                return 0, self.server_output()
            time.sleep(0.1)
        if self.server.poll() is None:  # no address in 2 minutes
            self.server.kill()
        code = self.server.wait()
        lines, self.server = self.server_output(), None
        return code or 1, lines

    def server_output(self):
        with open(self.server_log.name) as f:
            text = f.read()
        new, self.server_seen = text[self.server_seen:], len(text)
        return [s.replace(f"127.0.0.1:{self.port}/", f"127.0.0.1:{PORT}/") for s in new.splitlines()]

    def stop(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=30)


def main():
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens in ctest's log
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    regenerate = "--regenerate" in sys.argv
    latent = args[0]
    readme = os.path.abspath(args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), "..", "README.md"))
    root = os.path.dirname(readme)
    with open(readme) as f:
        readme_lines = f.read().split("\n")
    failures, replaced, started = [], {}, time.time()
    with tempfile.TemporaryDirectory(prefix="readme.") as work:
        runner = Runner(latent, root, work, regenerate)
        try:
            for cmd in commands(readme_lines):
                where = f"README.md:{cmd.block.start + 1}"
                skip = next((why for prefix, why in SKIP.items() if cmd.text.startswith(prefix)), None)
                if skip:
                    print(f"skip  {cmd.text[:70]}  ({skip})")
                    continue
                if regenerate and cmd.output is not None and any(b in cmd.text for b in STAND_IN):
                    print(f"keep  {cmd.text[:70]}  (benchmark output)")
                    continue
                t0 = time.time()
                code, printed = runner.run(cmd)
                expected = next((c for prefix, c in EXIT_CODES.items() if cmd.text.startswith(prefix)), 0)
                print(f"{'ran' if code == expected else 'FAIL':5} {runner.prepare(cmd)[:100]}  ({time.time() - t0:.1f}s)")
                if code != expected:
                    failures.append(f"{where}: `{cmd.text}` exited {code}, expected {expected}:\n    " +
                                    "\n    ".join(printed[-5:]))
                elif cmd.output is not None and regenerate:
                    replaced[(cmd.first, cmd.end)] = shorten(printed)
                elif cmd.output is not None:
                    failures += [f"{where}: `{cmd.text}`: {p}" for p in compare(cmd.output, printed)]
        finally:
            runner.stop()
    texts = [c.text for c in commands(readme_lines)]
    for table in (SKIP, STAND_IN, EXIT_CODES, REGEN_SMALL):  # a stale entry would hide a change
        failures += [f"{key!r} matches no README command: drop it from the table" for key in table
                     if not any(t.startswith(key) or (table is STAND_IN and key in t) for t in texts)]
    for (first, end), lines in sorted(replaced.items(), reverse=True):  # from the end: indices stay valid
        readme_lines[first:end] = lines
    if regenerate and not failures:
        with open(readme, "w") as f:
            f.write("\n".join(readme_lines))
        print(f"rewrote {len(replaced)} transcript outputs in {readme}")
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    print(f"{time.time() - started:.0f} s, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
