"""The Python reference for bench/serve_load.sh: /api/search as a competent Python user would
serve it with what Debian ships (the standard library's HTTP server, PyTorch, FAISS's Python
bindings from python3-faiss), doing the same work as `latent serve`:

- the same model weights, read from latent's model file (a TorchScript archive inside latent's
  container), and the same FAISS index of 60,000 codes, read from latent's index file;
- concurrent requests are batched like latent's request batcher: each HTTP thread parses its
  JSON {"pixels": [...]} and queues it; one worker thread takes everything waiting (up to 64),
  encodes it in one PyTorch forward pass and calls index.search once for the whole batch;
- the same answer: {"code": [...], "results": [{rank, id, distance, similarity, label,
  thumbnail}]} with the 10 nearest (latent's default k), the thumbnails being base64 PNGs of
  the indexed images encoded once at start-up, as latent does.

FAISS gets latent's one tuning too: Debian builds it for baseline x86-64, whose distance loop for
fewer than 20 queries is scalar code; distance_compute_blas_threshold = 1 sends every batch to
BLAS, as latent's index does. Torch, FAISS and OpenBLAS run one thread each, as in `latent
serve`.

Run with /usr/bin/python3.
Usage: serve_search.py MODEL INDEX IMAGES PORT  (IMAGES: the indexed split's idx3 file; prints
"listening PORT" when ready)"""
import base64
import io
import json
import os
import queue
import struct
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# One thread per library, set before they load: OpenMP's thread count set later applies only to
# the calling thread, and idle OpenMP/OpenBLAS threads spin on a loaded machine.
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
import faiss  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

K = 10
MAX_BATCH = 64


def fail(message):
    print("serve_search: " + message, file=sys.stderr)
    sys.exit(2)


def latent_payload(path, kind):
    """The payload of a latent container file: magic, version, kind, size, CRC-32, payload."""
    data = open(path, "rb").read()
    if data[:8] != b"LATENT\r\n":
        fail(f"{path}: not a latent file")
    _, kind_size = struct.unpack_from("<II", data, 8)
    pos = 16 + kind_size
    size, crc = struct.unpack_from("<QI", data, pos)
    payload = data[pos + 12:]
    if data[16:pos].decode() != kind or len(payload) != size or zlib.crc32(payload) != crc:
        fail(f"{path}: not an intact latent {kind} file")
    return payload


def load_encoder(path):
    archive = torch.jit.load(io.BytesIO(latent_payload(path, "model")))
    spec, norm = json.loads(archive.spec), json.loads(archive.normalization)
    if spec["arch"] != "dense" or spec["code_head"] != "plain" or norm["kind"] != "scale":
        fail(f"{path}: this reference serves dense models with a plain code on 0..255 pixels")
    acts = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "selu": torch.nn.SELU}
    widths = [int(np.prod(spec["input_shape"]))] + spec["layers"] + [spec["latent"]]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        act = spec["code_activation"] if i == len(widths) - 2 else spec["activation"]
        layers.append(acts[act]() if act != "linear" else torch.nn.Identity())
    encoder = torch.nn.Sequential(*layers).eval()
    weights = {name[len("encoder."):]: t for name, t in archive.weights.named_parameters() if name.startswith("encoder.")}
    encoder.load_state_dict(weights)
    return encoder, float(norm["divisor"]), widths[0]


def load_index(path):
    payload = latent_payload(path, "index")
    (header_size,) = struct.unpack_from("<Q", payload, 0)
    header = json.loads(payload[8:8 + header_size])
    index = faiss.deserialize_index(np.frombuffer(payload[8 + header_size:], dtype=np.uint8))
    return index, header


def thumbnails(images_path, count):
    data = open(images_path, "rb").read()
    _, n, rows, cols = struct.unpack_from(">IIII", data, 0)
    if n != count:
        fail(f"{images_path}: {n} images, the index has {count}")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)
    out = []
    for image in pixels:
        png = io.BytesIO()
        Image.fromarray(image, "L").save(png, "PNG")
        out.append(base64.b64encode(png.getvalue()).decode())
    return out


if len(sys.argv) != 5:
    fail("usage: serve_search.py MODEL INDEX IMAGES PORT")
torch.set_num_threads(1)
faiss.cvar.distance_compute_blas_threshold = 1
encoder, divisor, features = load_encoder(sys.argv[1])
index, header = load_index(sys.argv[2])
labels, scale = header["labels"], header["similarity_scale"]
thumbs = thumbnails(sys.argv[3], index.ntotal)
pending = queue.Queue()


def batch_worker():
    while True:
        batch = [pending.get()]
        while len(batch) < MAX_BATCH:
            try:
                batch.append(pending.get_nowait())
            except queue.Empty:
                break
        try:
            with torch.inference_mode():
                codes = encoder(torch.from_numpy(np.stack([job["x"] for job in batch]))).numpy()
            squared, ids = index.search(codes, K)
            for job, code, d, i in zip(batch, codes, squared, ids):
                job["answer"] = (code, np.sqrt(np.maximum(d, 0)), i)
        except Exception as e:  # every request of the batch gets the error
            for job in batch:
                job["answer"] = e
        for job in batch:
            job["done"].set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects

    def do_POST(self):
        if self.path.split("?")[0] != "/api/search":
            return self.reply(404, {"error": {"code": "not_found", "message": "POST /api/search"}})
        try:
            pixels = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["pixels"]
            x = np.asarray(pixels, dtype=np.float32) / divisor
            if x.shape != (features,):
                raise ValueError(f"expected {features} pixels")
        except (ValueError, KeyError, TypeError) as e:
            return self.reply(400, {"error": {"code": "bad_request", "message": str(e)}})
        job = {"x": x, "done": threading.Event()}
        pending.put(job)
        job["done"].wait()
        if isinstance(job["answer"], Exception):
            return self.reply(500, {"error": {"code": "internal", "message": str(job["answer"])}})
        code, distances, ids = job["answer"]
        results = [{"rank": rank + 1, "id": int(i), "distance": float(d),
                    "similarity": round(10000 * max(0.0, 1 - float(d) / scale)) / 100,
                    "label": labels[i], "thumbnail": thumbs[i]}
                   for rank, (d, i) in enumerate(zip(distances, ids)) if i >= 0]
        self.reply(200, {"code": code.tolist(), "results": results})

    def reply(self, status, body):
        out = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


threading.Thread(target=batch_worker, daemon=True).start()
class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # wrk hangs up mid-answer at its end
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", int(sys.argv[4])), Handler)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
