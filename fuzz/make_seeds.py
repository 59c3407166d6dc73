#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses, cut from real files: MNIST (IDX), and the files a real
`latent` run wrote into WORK (model, checkpoint, index, .ltc, detector, PNG, codes).
Usage: make_seeds.py MNIST_DIR WORK OUT   (writes OUT/<harness>/...)"""
import gzip, os, struct, sys, zlib

mnist, work, out = sys.argv[1:4]


def put(harness, name, data):
    os.makedirs(os.path.join(out, harness), exist_ok=True)
    with open(os.path.join(out, harness, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def payload(path):
    """The payload of a latent container (what the wrapped harnesses fuzz)."""
    b = read(path)
    kind_len = struct.unpack_from("<I", b, 12)[0]
    return b[8 + 4 + 4 + kind_len + 12:]


# IDX: the first images and labels of MNIST, raw and gzip; 1-D and 3-D.
images = read(os.path.join(mnist, "t10k-images-idx3-ubyte"))
labels = read(os.path.join(mnist, "t10k-labels-idx1-ubyte"))
for n in (1, 3):
    img = struct.pack(">4sIII", b"\0\0\x08\x03", n, 28, 28) + images[16:16 + n * 784]
    lab = struct.pack(">4sI", b"\0\0\x08\x01", n) + labels[8:8 + n]
    put("idx", f"images{n}", img)
    put("idx", f"labels{n}", lab)
    put("idx", f"images{n}.gz", gzip.compress(img))
    put("idx", f"labels{n}.gz", gzip.compress(lab))

# CSV: pixels of two MNIST images with a label column, with and without a header, and gzip.
# The first byte picks the reader options (see fuzz_csv.cpp).
rows = [[labels[8 + i]] + list(images[16 + i * 784:16 + i * 784 + 20]) for i in range(3)]
body = "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"
head = "label," + ",".join(f"p{i}" for i in range(20)) + "\n"
put("csv", "labelled", b"\x01" + (head + body).encode())
put("csv", "plain", b"\x06" + "\n".join(",".join(f"{v / 255:.4f}" for v in r[1:]) for r in rows).encode())
put("csv", "gz", b"\x01" + gzip.compress((head + body).encode()))
# A table as people write one: dates of each form, money, shares, words, dashes and blanks.
put("csv", "dates", b"\x00" + ("day,us,eu,dots,amount,share,city\n"
                                "2024-03-05,1/5/2024,13/01/2024,05.03.2024,\"$1,200.50\",45%,paris\n"
                                "2024/2/29,12/31/2023,05/01/2024,1.1.1970,-,5%,\n"
                                ",2/29/2024,29/02/2024,31.12.1969,(3.00),NA,lyon\n").encode())

# PNG: grayscale, gray+alpha, RGB, palette (a minimal encoder, from MNIST pixels).
def png(width, height, color_type, rows_bytes, extra=b""):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\0" + r for r in rows_bytes)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

pix = [images[16 + r * 28:16 + r * 28 + 28] for r in range(28)]
put("image", "gray.png", png(28, 28, 0, pix))
put("image", "gray_alpha.png", png(28, 28, 4, [bytes(b for p in r for b in (p, 255)) for r in pix]))
put("image", "rgb.png", png(28, 28, 2, [bytes(b for p in r for b in (p, p, p)) for r in pix]))
palette = b"".join(bytes((i, i, i)) for i in range(256))
plte = struct.pack(">I", len(palette)) + b"PLTE" + palette + struct.pack(">I", zlib.crc32(b"PLTE" + palette))
put("image", "palette.png", png(28, 28, 3, pix, plte))
for name in ("grid.png",):
    if os.path.exists(os.path.join(work, name)):
        put("image", name, read(os.path.join(work, name)))

# Matrices: .npy (float32/float64, 1-D/2-D) and codes .csv; the first byte picks the format.
def npy(descr, shape, data):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data
put("matrix", "f4.npy", b"\0" + npy("<f4", "(2, 3)", struct.pack("<6f", *range(6))))
put("matrix", "f8.npy", b"\0" + npy("<f8", "(3,)", struct.pack("<3d", 1, 2, 3)))
for name in ("codes.csv", "codes.npy"):
    path = os.path.join(work, name)
    if os.path.exists(path):
        put("matrix", name, (b"\1" if name.endswith(".csv") else b"\0") + read(path)[:4096])

# Latent containers: whole files for the envelope harness, payloads for the others.
files = {"model": "model.lt", "checkpoint": "model.lt.ckpt", "index": "index.lti", "codec": "codes.ltc",
         "detector": "detector.ltd", "classifier": "classifier.model"}
for harness, name in files.items():
    path = os.path.join(work, name)
    if not os.path.exists(path):
        continue
    put("container", name, read(path))
    put(harness, name, payload(path))
for extra in ("index_hnsw.lti", "index_hash16.lti", "index_multihash128.lti", "model_conv.lt", "codes16.ltc",
              "detector_code.ltd"):
    path = os.path.join(work, extra)
    if os.path.exists(path):
        harness = {"lti": "index", "lt": "model", "ltc": "codec", "ltd": "detector"}[extra.rsplit(".", 1)[1]]
        put(harness, extra, payload(path))
# The decoder behind `latent decompress` takes the same .ltc payloads.
for name in ("codes.ltc", "codes16.ltc"):
    path = os.path.join(work, name)
    if os.path.exists(path):
        put("decompress", name, payload(path))

# Request bodies of `latent serve`: the first byte picks content type, shape and "required" (see
# fuzz_request.cpp); JSON pixels and a PNG of MNIST test image 0, a 12-value table row, a parameter.
first = images[16:16 + 784]
put("request", "pixels.json", b"\x01" + ('{"pixels": [' + ",".join(str(v) for v in first) + "]}").encode())
put("request", "sniffed.json", b"\x00" + ('{"pixels":[' + ",".join(str(v) for v in first) + "]}").encode())
put("request", "gray.png", b"\x02" + png(28, 28, 0, pix))
put("request", "sniffed.png", b"\x04" + png(28, 28, 0, pix))
put("request", "table_row.json", b"\x09" + b'{"columns": {"age": 61, "income": "52000", "city": "paris", "plan": null}}')
put("request", "table.json", b"\x09" + b'{"pixels": [0.5, -1, 2e3, 0, 0, 0, 0, 0, 0, 0, 0, 1.25]}')
put("request", "optional_empty", b"\x10" + b"{}")
put("request", "param", b"\x01" + b"17")
