"""HTTP and process helpers of the crash test (crash_test.py): a `ketnoi
serve` process on a free loopback port, requests with an admin key, paged
listings, and the records the writers send. Standard library only."""
import http.client
import json
import random
import signal
import socket
import subprocess
import threading
import time
import zlib

SUPPLIER_TEXTS = [
    "Chế tạo máy sấy chè băng tải 300-500 kg chè tươi/giờ, đốt củi hoặc điện.",
    "Tea rolling machines 6CR-55 and dryers, installation nationwide.",
    "Lò sấy nông sản, máy xay xát gạo 2 tấn/giờ, bảo hành 12 tháng.",
]
PROVINCES = ["Thái Nguyên", "Phu Tho", "tỉnh Đắk Lắk", "TP HCM", "Hà Nội", "Cần Thơ"]


class Failure(Exception):
    pass


_tokens, _tokens_lock = set(), threading.Lock()


def new_token():
    """A made-up word no other record holds (10 letters): searching for it
    must find the one record whose text holds it, and nothing else by text."""
    while True:
        t = "".join(random.choice("bcdfghklmnpqrstvx") + random.choice("aeiou") for _ in range(5))
        with _tokens_lock:
            if t not in _tokens:
                _tokens.add(t)
                return t


def supplier(sid, cycle, token):
    """A supplier whose text is one of SUPPLIER_TEXTS plus its own word; it
    serves its own province."""
    province = random.choice(PROVINCES)
    return {"id": sid, "name": f"Cơ khí thử nghiệm {sid}", "province": province,
            "serves": ["toàn quốc"] if cycle % 2 else [province, "Yên Bái"],
            "lang": "vi", "text": random.choice(SUPPLIER_TEXTS) + f" Mã {token}.",
            "crash_cycle": cycle}


def facility(fid, cycle, province, needs):
    """A facility with one need per (need id, text) in needs."""
    return {"id": fid, "name": f"HTX thử nghiệm {fid}", "province": province,
            "sector": "1076", "products": "Chè", "employees": 10 + cycle,
            "needs": [{"id": nid, "kind": "equipment", "text": text, "budget_vnd": 250000000}
                      for nid, text in needs],
            "crash_cycle": cycle}


def need_text(target):
    """The text of a need aimed at one supplier (its record): its text, own
    word included. In the target's province, no other supplier can rank
    above it but through links (chain fit), so it heads the need's list."""
    return target["text"]


def shard(record_id, shards=2):
    """Stable shard of an id: each writer thread touches only its own shard."""
    return zlib.crc32(record_id.encode()) % shards


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def request(port, method, path, body=None, key=None, timeout=30, conn=None):
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        if own:
            conn.close()


class Client:
    """Requests to one server with one key; 429 answers are waited out
    (rate limiting refuses a request without doing it)."""

    def __init__(self, port, key):
        self.port, self.key = port, key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        for _ in range(100):
            try:
                status, data = request(self.port, method, path, body, self.key, conn=self.conn)
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                raise
            if status != 429:
                return status, data
            time.sleep(0.05)
        raise Failure(f"{method} {path}: still HTTP 429 after 100 tries")

    def json(self, method, path, body=None, expect=200):
        status, data = self.call(method, path, body)
        if status != expect:
            raise Failure(f"{method} {path}: HTTP {status} (expected {expect}): {data[:300]!r}")
        return json.loads(data) if data else None

    def close(self):
        self.conn.close()


def listed(client, path):
    """Every item of a paged listing (/v1/suppliers, /v1/facilities, /v1/links)."""
    items, cursor = [], ""
    while True:
        sep = "&" if "?" in path else "?"
        page = client.json("GET", f"{path}{sep}limit=1000" + (f"&cursor={cursor}" if cursor else ""))
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


class Server:
    def __init__(self, ketnoi, db, log_path):
        self.ketnoi, self.db, self.log_path = ketnoi, db, log_path
        self.proc, self.port = None, None

    def start(self):
        for _ in range(5):
            self.port = free_port()
            if port_open(self.port):  # httplib sets SO_REUSEPORT: never share a port
                continue
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.ketnoi, "serve", "--db", self.db, "--port", str(self.port),
                 "--bind", "127.0.0.1"], stdout=log, stderr=log)
            log.close()
            deadline = time.time() + 120
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    status, _ = request(self.port, "GET", "/healthz", timeout=2)
                    if status == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            self.kill()
        raise Failure(f"ketnoi serve did not start; see {self.log_path}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()
        self.proc = None

    def check_log(self):
        """Under --sanitize a report kills the server like SIGKILL would."""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if "Sanitizer" in line or "runtime error:" in line:
                    raise Failure(f"sanitizer report in {self.log_path}: {line.strip()}")
