"""1,000 malformed requests, each must get a 4xx answer; then a good request must succeed.
Usage: serve_malformed.py ROOT PORT"""
import json
import random
import sys

from serve_client import Client, mnist_test_image, png_bytes, raw_exchange, status_of

root, port = sys.argv[1], int(sys.argv[2])
rng = random.Random(9)
seven, _ = mnist_test_image(root, 0)
good_json = json.dumps({"pixels": seven}).encode()
good_png = png_bytes(seven, 28, 28)
endpoints = [b"/api/encode", b"/api/reconstruct", b"/api/search?k=3", b"/api/anomaly", b"/api/generate?count=2"]


def post(path, body, content_type=b"application/json", extra=b""):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type + b"\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def json_case():
    kinds = [
        lambda: b"{" * rng.randint(1, 5000),
        lambda: b"[" * rng.randint(1, 5000),
        lambda: json.dumps({"pixels": seven[:rng.randrange(784)]}).encode(),
        lambda: json.dumps({"pixels": seven + [0] * rng.randint(1, 5000)}).encode(),
        lambda: json.dumps({"pixels": [rng.choice([-1, 256, 1e300, -1e-9, 255.5])] * 784}).encode(),
        lambda: json.dumps({"pixels": [rng.choice(["7", None, True, [1], {"a": 1}])] * 784}).encode(),
        lambda: json.dumps({"pixel": seven}).encode(),
        lambda: json.dumps({"pixels": seven, "extra": 1}).encode(),
        lambda: json.dumps([seven]).encode(),
        lambda: good_json.replace(b"0,", b"NaN,", rng.randint(1, 50)),
        lambda: good_json.replace(b"0,", b"1e999,", 1),
        lambda: good_json[:rng.randrange(1, len(good_json) - 1)],
        lambda: bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000))),
        lambda: b'{"pixels":' + b"[" * rng.randint(2, 100000),
    ]
    body = rng.choice(kinds)()
    if body == good_json:
        body = b"{"
    # Generate accepts an absent image; everything else needs one: keep the case bad for both.
    return post(rng.choice(endpoints[:4]), body)


def claim_size(png, width, height):
    return png[:16] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + png[24:]


def png_case():
    kinds = [
        lambda: good_png[:rng.randrange(8, len(good_png) - 20)],  # into the pixel data
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 500))),
        # Pictures of any size are fitted to the model; one whose header claims far more pixels than
        # an upload may have (2048x2048), with the data of a small one, is refused.
        lambda: claim_size(png_bytes([0] * 64, 8, 8), rng.randint(2049, 60000), rng.randint(2049, 60000)),
        lambda: b"\xff\xd8\xff" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 500))),
    ]
    return post(rng.choice(endpoints), rng.choice(kinds)(), content_type=rng.choice([b"image/png", b"image/jpeg"]))


def http_case():
    kinds = [
        lambda: b"GARBAGE\r\n\r\n",
        lambda: b"GET / HTTP/9.9\r\n\r\n",
        lambda: b"GET " + b"/a" * 6000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        lambda: b"GET /api/info HTTP/1.1\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n",
        lambda: post(rng.choice(endpoints), good_json, content_type=b"text/plain"),
        lambda: post(b"/api/nope", good_json),
        lambda: post(b"/api/search?k=" + rng.choice([b"0", b"-5", b"1e9", b"x", b"999"]), good_json),
        lambda: post(b"/api/generate?count=" + rng.choice([b"0", b"65", b"q"]), b""),
        lambda: post(b"/api/generate?spread=" + rng.choice([b"nan", b"inf", b"-1", b"11"]), b""),
        lambda: b"GET /api/encode HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        lambda: b"DELETE /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        lambda: b"POST /api/encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999\r\n\r\n",
        lambda: b"POST /api/encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n" + b"0" * 100,
        lambda: b"POST /api/encode HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        lambda: post(rng.choice(endpoints), good_json, extra=b"Content-Encoding: " + rng.choice([b"gzip", b"br", b"x"]) + b"\r\n"),
    ]
    return rng.choice(kinds)()


failures, codes = [], {}
for i in range(1000):
    payload = rng.choice([json_case, png_case, http_case])()
    response = raw_exchange(port, payload)
    status = status_of(response)
    codes[status] = codes.get(status, 0) + 1
    if status is None or not 400 <= status < 500:
        failures.append((i, status, payload[:120], response[:200]))
for f in failures[:10]:
    print("not a 4xx:", f, file=sys.stderr)
status, body = Client(port).post("/api/search?k=3", {"pixels": seven})
assert status == 200 and body["results"][0]["id"] == 0, (status, body)
print("serve malformed: %d requests, status counts %s, %d not answered with 4xx; a good request then succeeded"
      % (1000, dict(sorted(codes.items(), key=lambda kv: str(kv[0]))), len(failures)))
sys.exit(1 if failures else 0)
