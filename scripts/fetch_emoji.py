#!/usr/bin/python3
"""Fetches the Apple and Facebook emoji of npm emoji-datasource-{apple,facebook}@16.0.0 (64x64 RGBA
PNGs; npm checks the registry's integrity hash), or the two VENDORS named, and writes the emoji
both vendors draw as
    DEST/<vendor>/<category>/<image>.png    vendor: apple | facebook (or google, twitter)
so that `images:DEST/apple` is labelled by category and the same file name in both vendor folders
is the same emoji. Skin-tone variations are left out (only the base emoji of emoji.json). Run by
scripts/setup.sh with Debian's /usr/bin/python3 (standard library only). Idempotent: DEST/COMPLETE
records the count, and a complete DEST is left alone.

usage: fetch_emoji.py DEST [VENDOR VENDOR]
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

VERSION = "16.0.0"
KNOWN_VENDORS = ("apple", "facebook", "google", "twitter")


def log(message):
    print("setup: " + message, file=sys.stderr)


def folder_name(category):
    """'Smileys & Emotion' -> 'smileys-emotion'."""
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def png_count(dest, vendors):
    return sum(1 for vendor in vendors for _, _, files in os.walk(os.path.join(dest, vendor))
               for name in files if name.endswith(".png"))


def complete(dest, vendors):
    try:
        with open(os.path.join(dest, "COMPLETE")) as f:
            marker = json.load(f)
        return marker.get("version") == VERSION and marker.get("files") == png_count(dest, vendors)
    except (OSError, ValueError):
        return False


def main():
    vendors = tuple(sys.argv[2:]) or ("apple", "facebook")
    if len(sys.argv) not in (2, 4) or not set(vendors) <= set(KNOWN_VENDORS) or len(set(vendors)) != 2:
        sys.exit(__doc__.strip().splitlines()[-1] + "  (VENDOR: " + " | ".join(KNOWN_VENDORS) + ")")
    dest = os.path.abspath(sys.argv[1])
    if complete(dest, vendors):
        return
    log(f"fetching emoji (npm emoji-datasource-{vendors[0]} and emoji-datasource-{vendors[1]} @{VERSION})")
    with tempfile.TemporaryDirectory() as tmp:
        packages = {}
        for vendor in vendors:
            package = f"emoji-datasource-{vendor}"
            subprocess.run(["npm", "pack", "--silent", f"{package}@{VERSION}"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
            root = os.path.join(tmp, vendor)
            os.mkdir(root)
            subprocess.run(["tar", "xzf", os.path.join(tmp, f"{package}-{VERSION}.tgz"), "-C", root,
                            "--wildcards", "package/emoji.json", f"package/img/{vendor}/64/*.png"], check=True)
            packages[vendor] = os.path.join(root, "package")
        with open(os.path.join(packages[vendors[0]], "emoji.json"), encoding="utf-8") as f:
            emoji = json.load(f)
        shared = [e for e in emoji if all(e.get(f"has_img_{vendor}") for vendor in vendors)]
        if len({e["image"] for e in shared}) != len(shared):
            sys.exit("setup: emoji.json names one image file twice")
        # Written beside DEST, then moved into place: an interrupted run leaves no half set behind.
        parent = os.path.dirname(dest)
        os.makedirs(parent, exist_ok=True)
        part = tempfile.mkdtemp(prefix=os.path.basename(dest) + ".part-", dir=parent)
        try:
            counts = {}
            for e in shared:
                category = folder_name(e["category"])
                for vendor in vendors:
                    source = os.path.join(packages[vendor], "img", vendor, "64", e["image"])
                    if not os.path.isfile(source):
                        sys.exit(f"setup: emoji.json says {vendor} draws {e['image']}, but the package lacks it")
                    folder = os.path.join(part, vendor, category)
                    os.makedirs(folder, exist_ok=True)
                    shutil.copyfile(source, os.path.join(folder, e["image"]))
                counts[category] = counts.get(category, 0) + 1
            with open(os.path.join(part, "COMPLETE"), "w") as f:
                json.dump({"version": VERSION, "emoji": len(shared), "files": len(shared) * len(vendors),
                           "categories": dict(sorted(counts.items()))}, f, indent=1)
                f.write("\n")
            os.chmod(part, 0o755)
            if os.path.lexists(dest):
                shutil.rmtree(dest)
            os.rename(part, dest)
        except BaseException:
            shutil.rmtree(part, ignore_errors=True)
            raise
    log(f"wrote {len(shared)} emoji drawn by both {vendors[0]} and {vendors[1]} to {dest}/{{{','.join(vendors)}}}/<category>")


if __name__ == "__main__":
    main()
