#!/usr/bin/env python3
# Test servers for the registry suite, on 127.0.0.1 only.
#   servers.py bad LAYOUT PORTFILE: a v2 registry serving the OCI layout
#     LAYOUT (one image) that misbehaves on purpose, by repository:
#     good/img         answers as it should (Range honoured)
#     wrongdigest/img  a layer with one byte changed
#     truncalways/img  every layer download stops half way
#     trunconce/img    the first download of each layer stops half way
#     busy/img         429, then 503, then the answer
#     down/img         always 500
#     redirect/img     blobs redirect (307) to /store/<hex> (a "blob store")
#     index/img        an OCI index: arm64 first, then linux/amd64
#     nosize/img       layer descriptors without a size (an unbounded download)
#   servers.py token KEY CERT PORTFILE USER PASSWORD: a token server for
#     the registry's token auth (JWT RS256 signed with openssl, x5c header)
import base64, hashlib, json, os, subprocess, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(handler, portfile):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    deadline = time.time() + 600  # bounded: the suite kills it first
    srv.timeout = 1
    while time.time() < deadline:
        srv.handle_request()


def bad(layout, portfile):
    def blob(d):
        with open(os.path.join(layout, "blobs", "sha256", d.split(":")[1]), "rb") as f:
            return f.read()

    index = json.load(open(os.path.join(layout, "index.json")))
    mdigest = index["manifests"][0]["digest"]
    manifest = blob(mdigest)
    layers = [l["digest"] for l in json.loads(manifest)["layers"]]
    # an index whose amd64 entry is the image, after an arm64 decoy
    decoy = "sha256:" + "0" * 64
    idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": decoy, "size": 10,
         "platform": {"architecture": "arm64", "os": "linux"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": len(manifest),
         "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
    counts = {}

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, code, body=b"", ctype="application/octet-stream", extra=(), length=None, cut=None):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body if cut is None else body[:cut])
            if cut is not None:
                self.close_connection = True

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            p = self.path
            counts[p] = counts.get(p, 0) + 1
            n = counts[p]
            if p == "/v2/":
                return self.send(200, b"{}", "application/json")
            if p.startswith("/store/"):
                return self.range_send(blob("sha256:" + p[7:]))
            parts = p.split("/")
            if len(parts) < 6 or parts[1] != "v2":
                return self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}', "application/json")
            mode, kind, ref = parts[2], parts[4], parts[5]
            if mode == "down":
                return self.send(500, b"down")
            if mode == "busy" and n <= 2:
                return self.send(429 if n == 1 else 503, b"busy", extra=[("Retry-After", "0")])
            if kind == "manifests":
                print("manifest %s of /v2/%s/" % (ref, mode), file=sys.stderr, flush=True)
                if mode == "nosize" and ref == "1":
                    m = json.loads(manifest)
                    for l in m["layers"]:
                        del l["size"]
                    return self.send(200, json.dumps(m).encode(), "application/vnd.oci.image.manifest.v1+json")
                if mode == "index" and ref == "1":
                    return self.send(200, idx, "application/vnd.oci.image.index.v1+json")
                if ref in ("1", mdigest):
                    return self.send(200, manifest, "application/vnd.oci.image.manifest.v1+json",
                                     [("Docker-Content-Digest", mdigest)])
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', "application/json")
            if kind != "blobs":
                return self.send(404)
            data = blob(ref)
            if mode == "redirect":
                return self.send(307, extra=[("Location", "http://127.0.0.1:%d/store/%s" % (self.server.server_address[1], ref[7:]))])
            if ref in layers:
                if mode == "wrongdigest":
                    data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
                if mode == "truncalways" or (mode == "trunconce" and n == 1):
                    return self.send(200, data, length=len(data), cut=len(data) // 2)
            return self.range_send(data)

        def range_send(self, data):
            r = self.headers.get("Range")
            if r and r.startswith("bytes=") and r.endswith("-"):
                start = int(r[6:-1])
                print("range %d of %s" % (start, self.path), file=sys.stderr, flush=True)
                return self.send(206, data[start:], extra=[("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
            return self.send(200, data)

    serve(H, portfile)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(key, cert, portfile, user, password):
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True, capture_output=True).stdout
    want = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            from urllib.parse import urlparse, parse_qs
            q = parse_qs(urlparse(self.path).query)
            if self.headers.get("Authorization") != want:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            access = []
            for s in q.get("scope", []):
                t, name, actions = s.split(":")
                access.append({"type": t, "name": name, "actions": actions.split(",")})
            now = int(time.time())
            header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
            claims = {"iss": "blt-issuer", "sub": user, "aud": q.get("service", [""])[0], "exp": now + 300,
                      "nbf": now - 10, "iat": now, "jti": hashlib.sha256(os.urandom(8)).hexdigest(), "access": access}
            signing = (b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())).encode()
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing, check=True,
                                 capture_output=True).stdout
            body = json.dumps({"token": signing.decode() + "." + b64u(sig)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    serve(H, portfile)


if __name__ == "__main__":
    if sys.argv[1] == "bad":
        bad(sys.argv[2], sys.argv[3])
    else:
        token(*sys.argv[2:7])
