#!/usr/bin/env python3
"""A loopback stand-in for the Hugging Face hub, for the hub tests (Rust and JavaScript).

Standard library only, so every test suite can start it without a venv:

    python3 tests/hub_mirror.py --port 0 [--repos-json FILE] [--cdn-same-port]

prints exactly one line `MIRROR http://127.0.0.1:PORT` on stdout, then serves until killed.
Everything listens on 127.0.0.1 only.

Repositories (built from the committed tiny checkpoints in fixtures/tiny/):
  wasmicro-test/tiny-bert   fixtures/tiny/bert (branch `main`), fixtures/tiny/bert_cased (branch `v1`)
  wasmicro-test/tiny-gpt2   fixtures/tiny/gpt2
  wasmicro-test/tiny-t5     fixtures/tiny/t5
  wasmicro-test/gated-bert  fixtures/tiny/bert, needs `Authorization: Bearer $MIRROR_TOKEN`
                            (default `hf_test_token`); 401 without it
  wasmicro-test/bin-only    config.json + pytorch_model.bin + tokenizer files, no safetensors
  sentence-transformers/all-MiniLM-L6-v2   the directory in $WASMICRO_MODEL, when that is set
Every repository also holds decoys that a client must never download (pytorch_model.bin, tf_model.h5,
flax_model.msgpack, onnx/model.onnx, ...): GET /_control/requests shows what was asked for.

`--repos-json FILE` adds (or replaces) repositories: a JSON list of
  {"id": "org/name", "dir": "fixtures/tiny/gpt2", "revisions": {"v2": "fixtures/tiny/gpt_neo"},
   "files": ["config.json", ...], "gated": false, "decoys": true}
(`dir` is branch `main`; `files` limits which files of the directories are served; relative
directories are taken from the project root).

Hub semantics, as huggingface_hub's file_download.py expects them:
  HEAD|GET /{repo}/resolve/{revision}/{path}
      small files: 200 with the bytes, ETag = quoted git blob sha1, X-Repo-Commit
      large files (LFS: *.safetensors, *.bin, *.onnx, *.msgpack, *.h5, *.model, > 10 MB):
      302 to an absolute URL on the "CDN" listener (another port unless --cdn-same-port, so that
      clients must drop Authorization there), with X-Linked-Etag (quoted sha256), X-Linked-Size,
      ETag, X-Repo-Commit. The CDN serves the bytes with Range support (206 + Content-Range).
      `revision` is a branch name or a commit sha (40 hex, fixed per repo and branch).
      404 + X-Error-Code: EntryNotFound / RevisionNotFound; 401 + X-Error-Code: GatedRepo for the
      gated repo without the token, 401 + RepositoryNotFound for an unknown repo.
  GET /api/models/{repo}[/revision/{rev}]    {"id", "sha", "siblings": [{"rfilename"}], ...}
  GET /api/models/{repo}/tree/{rev}[/{path}][?recursive=true]   [{"type", "path", "oid", "size", "lfs"?}]

Control (main listener only):
  POST /_control/fault   {"path": SUFFIX, "kind": "drop"|"truncate"|"bad-etag"|"slow", "times": N}
      the next N responses that carry the bytes of a file whose request path ends with SUFFIX
      (e.g. "tiny-bert/resolve/main/config.json" or "model.safetensors") are broken:
      drop = half the body then the connection is reset; truncate = all but the last ~10% of the
      body (at least 1 byte short) then close; bad-etag = full length but bytes whose hash is not
      the ETag; slow = the right bytes, 1.5 s late (a sibling download still running).
  GET  /_control/requests   {"<request path>": count} for every request except /_control ones
  GET  /_control/log        [{"method", "path", "status", "range", "authorization", "listener"}]
  POST /_control/reset      clears faults, counts and the log
"""

import argparse
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit, parse_qs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLOW_SECONDS = 1.5  # long enough that a client which stops waiting for it finishes first
DEFAULT_TOKEN = "hf_test_token"
LFS_EXTENSIONS = (".safetensors", ".bin", ".onnx", ".msgpack", ".h5", ".model", ".ot", ".pt", ".gguf")
LFS_MIN_SIZE = 10 * 1024 * 1024

# Weights in formats wasmicro never reads, with enough bytes to notice if one is fetched.
DECOYS = {
    "pytorch_model.bin": 4096,
    "tf_model.h5": 2048,
    "flax_model.msgpack": 2048,
    "rust_model.ot": 1024,
    "onnx/model.onnx": 4096,
    "openvino/openvino_model.bin": 1024,
}
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


def decoy_bytes(name, size):
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(path, data):
    return path.endswith(LFS_EXTENSIONS) or len(data) >= LFS_MIN_SIZE


def read_dir(directory, only=None):
    """Every file under `directory` (hidden ones excepted), as {relative posix path: bytes}."""
    directory = directory if os.path.isabs(directory) else os.path.join(ROOT, directory)
    files = {}
    for base, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            full = os.path.join(base, name)
            relative = os.path.relpath(full, directory).replace(os.sep, "/")
            if only is None or relative in only:
                with open(full, "rb") as f:
                    files[relative] = f.read()
    if only is not None:
        missing = sorted(set(only) - set(files))
        if missing:
            raise SystemExit(f"hub_mirror: {directory} lacks {missing}")
    return files


class Revision:
    def __init__(self, repo_id, name, files):
        self.name = name
        self.commit = hashlib.sha1(f"wasmicro-mirror:{repo_id}@{name}".encode()).hexdigest()
        self.files = files
        self.sha256 = {p: hashlib.sha256(d).hexdigest() for p, d in files.items()}
        self.git_sha1 = {p: git_blob_sha1(d) for p, d in files.items()}


class Repo:
    def __init__(self, repo_id, revisions, gated=False):
        self.id = repo_id
        self.gated = gated
        self.revisions = revisions  # branch name -> Revision

    def revision(self, rev):
        if rev in self.revisions:
            return self.revisions[rev]
        for revision in self.revisions.values():
            if revision.commit == rev:
                return revision
        return None


def make_repo(repo_id, branches, only=None, gated=False, decoys=True):
    revisions = {}
    for branch, directory in branches.items():
        files = read_dir(directory, only)
        if decoys:
            for name, size in DECOYS.items():
                files.setdefault(name, decoy_bytes(f"{repo_id}/{name}", size))
        revisions[branch] = Revision(repo_id, branch, files)
    return Repo(repo_id, revisions, gated)


def default_repos():
    repos = [
        make_repo("wasmicro-test/tiny-bert", {"main": "fixtures/tiny/bert", "v1": "fixtures/tiny/bert_cased"}),
        make_repo("wasmicro-test/tiny-gpt2", {"main": "fixtures/tiny/gpt2"}),
        make_repo("wasmicro-test/tiny-t5", {"main": "fixtures/tiny/t5"}),
        make_repo("wasmicro-test/gated-bert", {"main": "fixtures/tiny/bert"}, gated=True),
    ]
    bin_only = read_dir("fixtures/tiny/bert", ("config.json",) + TOKENIZER_FILES)
    bin_only["pytorch_model.bin"] = decoy_bytes("bin-only/pytorch_model.bin", 8192)
    repos.append(Repo("wasmicro-test/bin-only", {"main": Revision("wasmicro-test/bin-only", "main", bin_only)}))
    minilm = os.environ.get("WASMICRO_MODEL")
    if minilm and os.path.isfile(os.path.join(minilm, "config.json")):
        repos.append(make_repo("sentence-transformers/all-MiniLM-L6-v2", {"main": minilm}))
    return repos


def repos_from_json(path):
    with open(path) as f:
        specs = json.load(f)
    repos = []
    for spec in specs:
        branches = {"main": spec["dir"]} if "dir" in spec else {}
        branches.update(spec.get("revisions", {}))
        only = tuple(spec["files"]) if "files" in spec else None
        repos.append(make_repo(spec["id"], branches, only, spec.get("gated", False), spec.get("decoys", True)))
    return repos


class State:
    def __init__(self, repos, token):
        self.repos = {r.id: r for r in repos}
        self.token = token
        self.lock = threading.Lock()
        self.counts = {}
        self.log = []
        self.faults = []  # [{"path", "kind", "times"}]
        self.cdn_base = None

    def record(self, entry):
        with self.lock:
            self.counts[entry["path"]] = self.counts.get(entry["path"], 0) + 1
            self.log.append(entry)

    def take_fault(self, path):
        with self.lock:
            for fault in self.faults:
                if fault["times"] > 0 and path.endswith(fault["path"]):
                    fault["times"] -= 1
                    return fault["kind"]
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wasmicro-hub-mirror"
    state: State = None
    listener = "hub"

    def log_message(self, format, *args):  # keep the test output quiet
        pass

    # --- plumbing -------------------------------------------------------------------------------

    def send_cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header(
            "Access-Control-Expose-Headers",
            "ETag, X-Repo-Commit, X-Linked-Etag, X-Linked-Size, Content-Range, Content-Length, Accept-Ranges, "
            "Location, X-Error-Code, X-Error-Message",
        )

    def reply(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_cors()
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, status, value, headers=None):
        self.reply(status, json.dumps(value).encode(), headers=headers)

    def error(self, status, code, message):
        self.reply_json(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

    def authorized(self, repo):
        if not repo.gated:
            return True
        return self.headers.get("Authorization", "") == f"Bearer {self.state.token}"

    def run(self, route):
        path = unquote(urlsplit(self.path).path)
        # Recorded before routing, not after the reply: a client holding its whole response may ask
        # for the log at once, and a record written after the body raced it (a CDN GET went missing).
        if not path.startswith("/_control"):
            self.entry = {
                "method": self.command,
                "path": path,
                "status": None,
                "range": self.headers.get("Range"),
                "authorization": self.headers.get("Authorization") is not None,
                "listener": self.listener,
            }
            self.state.record(self.entry)
        route(path)

    def parse_request(self):
        self.entry = None  # a kept-alive connection's handler serves many requests
        return super().parse_request()

    def send_response(self, code, message=None):
        # The status is in the log before the status line leaves, for the same reason.
        if self.entry is not None:
            with self.state.lock:
                self.entry["status"] = code
        super().send_response(code, message)

    def do_OPTIONS(self):
        self.send_response(204)
        self.send_cors()
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
        requested = self.headers.get("Access-Control-Request-Headers")
        self.send_header("Access-Control-Allow-Headers", requested or "Authorization, Range, Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self.run(self.route_get)

    def do_GET(self):
        self.run(self.route_get)

    def do_POST(self):
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.listener != "hub" or not path.startswith("/_control/"):
            return self.error(404, "NotFound", f"no POST route {path}")
        if path == "/_control/reset":
            with self.state.lock:
                self.state.faults.clear()
                self.state.counts.clear()
                self.state.log.clear()
            return self.reply_json(200, {"ok": True})
        if path == "/_control/fault":
            try:
                fault = json.loads(body or b"{}")
                kind = fault["kind"]
                if kind not in ("drop", "truncate", "bad-etag", "slow") or not isinstance(fault["path"], str):
                    raise ValueError(kind)
                entry = {"path": fault["path"], "kind": kind, "times": int(fault.get("times", 1))}
            except (ValueError, KeyError, TypeError) as e:
                return self.reply_json(400, {"error": f"bad fault: {e!r}"})
            with self.state.lock:
                self.state.faults.append(entry)
            return self.reply_json(200, {"ok": True})
        return self.error(404, "NotFound", f"no control route {path}")

    # --- routes ---------------------------------------------------------------------------------

    def route_get(self, path):
        if self.listener == "hub" and path == "/_control/requests":
            with self.state.lock:
                return self.reply_json(200, dict(self.state.counts))
        if self.listener == "hub" and path == "/_control/log":
            with self.state.lock:
                return self.reply_json(200, list(self.state.log))
        parts = path.strip("/").split("/")
        if parts[0] == "cdn" and len(parts) >= 5:
            return self.route_cdn(parts)
        if self.listener != "hub":
            return self.error(404, "NotFound", f"no route {path}")
        if parts[:2] == ["api", "models"] and len(parts) >= 4:
            return self.route_api(parts[2] + "/" + parts[3], parts[4:])
        if len(parts) >= 5 and parts[2] == "resolve":
            return self.route_resolve(parts[0] + "/" + parts[1], parts[3], "/".join(parts[4:]))
        return self.error(404, "NotFound", f"no route {path}")

    def find(self, repo_id, rev):
        """(repo, revision) or None after replying with the hub's error."""
        repo = self.state.repos.get(repo_id)
        if repo is None:
            self.error(401, "RepositoryNotFound", f"Repository Not Found for url: {repo_id}")
            return None
        if not self.authorized(repo):
            self.error(
                401,
                "GatedRepo",
                f"Access to model {repo_id} is restricted. You must have access to it and be authenticated.",
            )
            return None
        revision = repo.revision(rev)
        if revision is None:
            self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            return None
        return repo, revision

    def route_api(self, repo_id, rest):
        rev = "main"
        if rest[:1] == ["revision"] and len(rest) >= 2:
            rev = "/".join(rest[1:])
            rest = []
        tree_path = None
        if rest[:1] == ["tree"] and len(rest) >= 2:
            rev, tree_path = rest[1], "/".join(rest[2:])
            rest = []
        if rest:
            return self.error(404, "NotFound", f"no API route {'/'.join(rest)}")
        found = self.find(repo_id, rev)
        if found is None:
            return
        repo, revision = found
        if tree_path is not None:
            return self.reply_json(200, self.tree(revision, tree_path))
        self.reply_json(
            200,
            {
                "_id": hashlib.sha1(repo.id.encode()).hexdigest()[:24],
                "id": repo.id,
                "modelId": repo.id,
                "author": repo.id.split("/")[0],
                "sha": revision.commit,
                "private": False,
                "gated": "manual" if repo.gated else False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "lastModified": "2026-01-01T00:00:00.000Z",
                "siblings": [{"rfilename": p} for p in sorted(revision.files)],
            },
        )

    def tree(self, revision, tree_path):
        recursive = parse_qs(urlsplit(self.path).query).get("recursive", ["false"])[0].lower() in ("1", "true")
        prefix = tree_path.strip("/") + "/" if tree_path.strip("/") else ""
        entries, folders = [], set()
        for path in sorted(revision.files):
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            pieces = rest.split("/")
            for depth in range(1, len(pieces)):
                folders.add(prefix + "/".join(pieces[:depth]))
            if len(pieces) > 1 and not recursive:
                continue
            data = revision.files[path]
            entry = {"type": "file", "oid": revision.git_sha1[path], "size": len(data), "path": path}
            if is_lfs(path, data):
                entry["lfs"] = {"oid": revision.sha256[path], "size": len(data), "pointerSize": 134}
            entries.append(entry)
        for folder in sorted(folders):
            if recursive or "/" not in folder[len(prefix) :]:
                entries.append({"type": "directory", "oid": hashlib.sha1(folder.encode()).hexdigest(), "size": 0, "path": folder})
        return entries

    def route_resolve(self, repo_id, rev, file_path):
        found = self.find(repo_id, rev)
        if found is None:
            return
        repo, revision = found
        data = revision.files.get(file_path)
        if data is None:
            return self.error(404, "EntryNotFound", f"{file_path} does not exist on revision {rev} of {repo_id}")
        common = {"X-Repo-Commit": revision.commit}
        if is_lfs(file_path, data):
            etag = f'"{revision.sha256[file_path]}"'
            location = f"{self.state.cdn_base}/cdn/{repo.id}/{revision.commit}/{file_path}"
            self.send_response(302)
            self.send_cors()
            for key, value in common.items():
                self.send_header(key, value)
            self.send_header("Location", location)
            self.send_header("ETag", etag)
            self.send_header("X-Linked-Etag", etag)
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.serve_bytes(data, f'"{revision.git_sha1[file_path]}"', common)

    def route_cdn(self, parts):
        # /cdn/{org}/{name}/{commit}/{path}: a signed-URL stand-in, so no authorization is checked.
        repo = self.state.repos.get(parts[1] + "/" + parts[2])
        revision = repo.revision(parts[3]) if repo else None
        file_path = "/".join(parts[4:])
        if revision is None or file_path not in revision.files:
            return self.error(404, "NotFound", "no such blob")
        self.serve_bytes(revision.files[file_path], f'"{revision.sha256[file_path]}"', {})

    def serve_bytes(self, data, etag, headers):
        start, end = 0, len(data)
        status = 200
        range_header = self.headers.get("Range")
        if range_header and range_header.startswith("bytes="):
            first, _, last = range_header[len("bytes=") :].split(",")[0].partition("-")
            try:
                if first == "":
                    start = max(0, len(data) - int(last))
                else:
                    start = int(first)
                    end = min(len(data), int(last) + 1) if last else len(data)
            except ValueError:
                start, end = 0, len(data)
            if start >= len(data) and len(data) > 0:
                return self.reply(416, b"", headers={"Content-Range": f"bytes */{len(data)}"})
            status = 206
        body = data[start:end]
        fault = self.state.take_fault(urlsplit(self.path).path) if self.command == "GET" else None
        if fault == "bad-etag" and body:
            middle = len(body) // 2
            body = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
        self.send_response(status)
        self.send_cors()
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
            self.wfile.write(body)
        elif fault == "drop":
            self.wfile.write(body[: len(body) // 2])
            # Let the first half reach the client before the reset (a reset discards data the
            # client has not read yet), so that a resume has something to resume from.
            time.sleep(0.2)
            self.abort_connection()
        elif fault == "truncate":
            self.wfile.write(body[: min(len(body) - 1, len(body) * 9 // 10)])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        else:
            self.wfile.write(body)

    def abort_connection(self):
        """Resets the connection (RST), as a dropped network link looks to the client."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # a client that hangs up is not an error
        pass


def serve(handler_class, port):
    server = Server(("127.0.0.1", port), handler_class)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--repos-json", help="extra repositories (see the module docstring)")
    parser.add_argument("--cdn-same-port", action="store_true", help="serve the CDN redirects on the main port")
    args = parser.parse_args()

    repos = default_repos()
    if args.repos_json:
        extra = repos_from_json(args.repos_json)
        names = {r.id for r in extra}
        repos = [r for r in repos if r.id not in names] + extra
    state = State(repos, os.environ.get("MIRROR_TOKEN") or DEFAULT_TOKEN)

    hub_handler = type("HubHandler", (Handler,), {"state": state, "listener": "hub"})
    hub = serve(hub_handler, args.port)
    hub_port = hub.server_address[1]
    if args.cdn_same_port:
        state.cdn_base = f"http://127.0.0.1:{hub_port}"
    else:
        cdn_handler = type("CdnHandler", (Handler,), {"state": state, "listener": "cdn"})
        cdn = serve(cdn_handler, 0)
        state.cdn_base = f"http://127.0.0.1:{cdn.server_address[1]}"

    sys.stdout.write(f"MIRROR http://127.0.0.1:{hub_port}\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
