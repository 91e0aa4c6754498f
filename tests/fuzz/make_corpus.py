#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/<target>/.

Seeds are a few lines of data/demo plus hand-written edge cases (NFD text,
invalid UTF-8, CRLF, BOM, quoted CSV with embedded newlines, deep JSON).
Rerun after changing it; the files are committed. Standard library only.
"""
import json
import os
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
DEMO = os.path.join(HERE, "..", "..", "data", "demo")


def w(target, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def demo_lines(name, n):
    with open(os.path.join(DEMO, name), encoding="utf-8") as f:
        return f.read().splitlines()[:n]


def normalize_seeds():
    texts = [
        "Máy sấy chè băng tải 300 kg chè tươi/giờ",
        "HTX cần thay lò sấy thủ công; ngân sách khoảng 250 triệu đồng",
        "Đắk Lắk, Thừa Thiên Huế, TP. Hồ Chí Minh, tỉnh Hòa Bình",
        "hoà thuỵ khoẻ ngoài quyết huỳnh giữa quốc",
        "CÀ PHÊ ĐẶC SẢN BUÔN MA THUỘT",
        "café naïve Ωmega ǅ İstanbul ß",
        "Tea Machinery Vietnam JSC: rolling machines 6CR-55",
    ]
    for i, t in enumerate(texts):
        w("normalize_fuzz", f"text{i}", t)
        w("normalize_fuzz", f"nfd{i}", unicodedata.normalize("NFD", t))
    w("normalize_fuzz", "invalid_bytes",
      b"m\xc3y s\xe1\xba h\xff\xfe\xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf end")
    w("normalize_fuzz", "truncated", b"s\xe1\xba")
    w("normalize_fuzz", "combining_stack", "a\u0301\u0301\u0323e\u0302\u0303 đ\u0301 Đ\u0309 \u0301x")
    w("normalize_fuzz", "empty", b"")
    # Regressions (docs/robustness.md): stacked tones, a tone on đ.
    w("normalize_fuzz", "regression_stacked_tones", "uy\u0300\u0301")
    w("normalize_fuzz", "regression_d_stroke_tone", "\u0111\u0323")


def quantity_seeds():
    qs = ["500 kg/ngày", "2 tấn/giờ", "15 kW", "300 triệu", "1,2 tỷ", "1.200.000 đ",
          "20 m3", "3 pha 380V", "2-3 tấn/giờ", "từ 180 triệu đến 450 triệu",
          "$5,000 per month", "1.200,5 kg", "1,200.5 liters/hour", "0.500 t", "1.20.000 đ",
          "50 ha 200 m2 30 m", "5000 sản phẩm/ca", "10 CV", "120 tạ/tháng",
          "9999999999999999999999 tỷ", "500kg/ngay 2tan/h 15kw 300 trieu", "3,5 m³/h",
          "1e9 kg", "-5 kg", ". , ,. 5..5"]
    for i, q in enumerate(qs):
        w("quantity_fuzz", f"q{i}", q)


def record_seeds():
    # First byte: 0 facility, 1 supplier, 2 expert, 3 link.
    for kind, (name, n) in enumerate([("facilities.jsonl", 3), ("suppliers.jsonl", 3),
                                      ("experts.jsonl", 2), ("links.jsonl", 2)]):
        for i, line in enumerate(demo_lines(name, n)):
            w("record_fuzz", f"{name.split('.')[0]}{i}", bytes([kind]) + line.encode())
    w("record_fuzz", "supplier_vector", b"\x01" + json.dumps(
        {"id": "S9", "name": "X", "province": "Hà Nội", "serves": ["toàn quốc"],
         "lang": "en", "text": "t", "vector": [0.5, -1e38, 3]}).encode())
    w("record_fuzz", "facility_bad_kind", b"\x00" + json.dumps(
        {"id": "F9", "name": "X", "province": "Hanoi",
         "needs": [{"id": "N9", "kind": "machine", "text": "x", "budget_vnd": -1}]},
        ensure_ascii=False).encode())
    w("record_fuzz", "deep",
      b'\x02{"id":"E1","name":"n","province":"Hue","text":"t","x":' + b"[" * 40 + b"]" * 40 + b"}")
    w("record_fuzz", "escapes",
      b'\x01{"id":"S\\u0000","name":"\\ud83d\\ude00","province":"Thai Binh","text":"\\u0111"}')


def import_seeds():
    # First byte: bits 0-2 pick the file, bit 3 sets skip_bad.
    files = ["facilities.jsonl", "facilities.csv", "suppliers.jsonl", "suppliers.csv",
             "experts.jsonl", "experts.csv", "links.jsonl", "links.csv"]

    def imp(name, file, skip, text):
        w("import_fuzz", name, bytes([files.index(file) | (8 if skip else 0)]) + text.encode())

    fac = demo_lines("facilities.jsonl", 3)
    sup = demo_lines("suppliers.jsonl", 3)
    exp = demo_lines("experts.jsonl", 2)
    lnk = demo_lines("links.jsonl", 2)
    imp("facilities_jsonl", "facilities.jsonl", False, "\n".join(fac) + "\n")
    imp("suppliers_jsonl_crlf_bom", "suppliers.jsonl", False, "\ufeff" + "\r\n".join(sup) + "\r\n")
    imp("experts_jsonl_skip_bad", "experts.jsonl", True, "\n".join(exp) + "\n{not json}\n\n")
    imp("links_jsonl", "links.jsonl", True, "\n".join(lnk))
    imp("suppliers_csv", "suppliers.csv", False,
        'id,name,province,serves,lang,text\n'
        'S100,"Cơ khí ""Phú Hà""",Phú Thọ,Phú Thọ|Yên Bái,vi,"Máy sấy chè\n300 kg/giờ"\n'
        'S101,Tea Co,Thai Nguyen,"[""toàn quốc""]",en,rolling machines\r\n')
    imp("facilities_csv", "facilities.csv", True,
        'id,name,province,sector,products,employees,needs\n'
        'F100,HTX A,Thái Nguyên,1076,Chè,35,"[{""id"":""N100"",""kind"":""equipment"",'
        '""text"":""máy sấy"",""budget_vnd"":250000000}]"\n'
        'F101,HTX B,Nowhere,x,y,abc,\n')
    imp("experts_csv", "experts.csv", False, "\ufeffid,name,province,text,website\nE100,TS. A,Huế,chè,https://x\n")
    imp("links_csv", "links.csv", True, "from,to,type\nF100,S100,buys_from\nF100,E100,advises\n")
    # Regression (docs/robustness.md): a column name with invalid UTF-8.
    w("import_fuzz", "regression_csv_header_utf8",
      bytes([files.index("links.csv") | 8]) + b"from,to,\xe0\xe0\xe0type\nF100,S100,buys_from\n")


def csv_seeds():
    w("csv_fuzz", "simple", "id,name\nS1,A\nS2,B\n")
    w("csv_fuzz", "quoted", 'a,"b ""q"" c","multi\nline",d\r\n1,2,3,4')
    w("csv_fuzz", "bom", '\ufeffid,text\r\nx,"y"z\r\r\n,,\n')
    w("csv_fuzz", "unterminated", 'a,"b\nc')
    w("csv_fuzz", "empty_lines", '\n\n,\n"",""\n')


if __name__ == "__main__":
    normalize_seeds()
    quantity_seeds()
    record_seeds()
    import_seeds()
    csv_seeds()
