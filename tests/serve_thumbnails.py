"""latent serve shows the thumbnails of the samples an index holds, selected as when it was
built (--normal-class, --limit), and none when the data changed since.
Usage: serve_thumbnails.py ROOT LATENT MODEL WORKDIR"""
import os
import subprocess
import sys

from hostile_attacks import start_server
from serve_client import Client, mnist_test_image, png_bytes

root, latent, model, work = sys.argv[1:5]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def build(index, *data):
    subprocess.run([latent, "index", "build", "--model", model, *data, "--out", index], check=True,
                   capture_output=True)


def thumbnails(index):
    """(whether /api/info says there are thumbnails, the server's stderr)."""
    proc, port = start_server(latent, index)
    status, info = Client(port).get("/api/info")
    proc.send_signal(15)
    _, err = proc.communicate(timeout=30)
    return status == 200 and info["index"]["thumbnails"], err


# Only the 3s, the first 10 of them: the thumbnails are those 10 (their fingerprint matches).
index = os.path.join(work, "threes.index")
build(index, "--data", "mnist", "--split", "test", "--normal-class", "3", "--limit", "10")
shown, err = thumbnails(index)
check(shown, "an index of --normal-class 3 --limit 10 has its thumbnails" + ("" if shown else ": " + err.strip()[:200]))

# An image folder indexed, then one picture replaced: no thumbnails, and the server says why.
folder = os.path.join(work, "digits")
os.makedirs(folder, exist_ok=True)
for i in range(12):
    with open(os.path.join(folder, f"{i:02d}.png"), "wb") as f:
        f.write(png_bytes(mnist_test_image(root, i)[0], 28, 28))
index = os.path.join(work, "folder.index")
build(index, "--data", "images:" + folder)
shown, _ = thumbnails(index)
check(shown, "an image folder's index has its thumbnails")
with open(os.path.join(folder, "05.png"), "wb") as f:
    f.write(png_bytes(mnist_test_image(root, 100)[0], 28, 28))
shown, err = thumbnails(index)
check(not shown and "not the data the index was built from" in err,
      f"after a picture changed: thumbnails {shown}; stderr: {err.strip()[:160]}")
sys.exit(1 if failures else 0)
