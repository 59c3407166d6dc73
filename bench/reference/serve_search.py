"""The PyTorch reference for bench/serve_load.sh: /api/search as a Python user would serve it
with the standard library's ThreadingHTTPServer and PyTorch: JSON {"pixels": [...]} in, the
same encoder shape (784-256-32, ReLU; random weights: speed does not depend on them), exact L2
search over 60,000 stored codes, the 10 nearest ids and distances out as JSON (no thumbnails).
Run with /usr/bin/python3. Usage: serve_search.py PORT  (prints "listening PORT" when ready)"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

torch.manual_seed(0)
torch.set_num_threads(1)  # one request per thread, as latent serve does
encoder = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 32)).eval()
with torch.inference_mode():
    codes = encoder(torch.rand(60000, 784))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like wrk expects

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        pixels = json.loads(body)["pixels"]
        with torch.inference_mode():
            code = encoder(torch.tensor(pixels, dtype=torch.float32).div_(255).unsqueeze(0))
            dist, ids = torch.cdist(code, codes).topk(10, largest=False)
        out = json.dumps({"results": [{"id": int(i), "distance": float(d)} for i, d in zip(ids[0], dist[0])]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
print("listening", server.server_address[1], flush=True)
server.serve_forever()
