#!/usr/bin/env python3
"""Drafts declarative meter driver fields from telegrams whose field values are known.

Input: for each telegram, the record list printed by `joule decode --protocol wmbus --describe`
(or drivers::describe) and the known field values (name -> number or text). For each field the
script searches a record selector (quantity, table, VIF/VIFE, storage, tariff, subunit, function,
nth) and an output format (number with the unit of the name suffix, date, date and time, text,
hex) that gives the known value on EVERY telegram, preferring the least specific selector. The
result is a driver JSON to review: a selector found this way is only as good as the telegrams
behind it.

    draft_meter_driver.py --describe DIR --expected DIR --driver NAME [--base data/meter/drivers]

DIR of describes: <telegram id>.json; DIR of expected values: <telegram id>.expected.json in the
`joule-meter-expected/1` schema (values: [{id, value}], meter.driver). Fields of an existing
driver (--base) that --keep names are copied unchanged.
"""
import argparse
import decimal
import json
import math
import pathlib
import sys

# Mirrors kUnitRules in src/meter/drivers.cpp: suffix -> [(record unit symbol, pow10, factor)].
UNIT_RULES = {
    "kwh": [("Wh", -3, 1.0), ("J", 0, 1.0 / 3.6e6)], "mwh": [("Wh", -6, 1.0)], "wh": [("Wh", 0, 1.0)],
    "gj": [("J", -9, 1.0), ("Wh", 0, 3.6e-6)], "mj": [("J", -6, 1.0), ("Wh", 0, 3.6e-3)],
    "m3": [("m3", 0, 1.0)], "l": [("m3", 3, 1.0)], "kw": [("W", -3, 1.0), ("J/h", 0, 1.0 / 3.6e6)],
    "w": [("W", 0, 1.0)], "m3h": [("m3/h", 0, 1.0)], "lh": [("m3/h", 3, 1.0)],
    "c": [("°C", 0, 1.0), ("K", 0, 1.0)], "k": [("K", 0, 1.0)], "v": [("V", 0, 1.0)], "a": [("A", 0, 1.0)],
    "bar": [("bar", 0, 1.0)], "hz": [("Hz", 0, 1.0)], "kvarh": [("varh", -3, 1.0)], "kvah": [("VAh", -3, 1.0)],
    "kvar": [("var", -3, 1.0)], "kva": [("VA", -3, 1.0)], "s": [("s", 0, 1.0)], "h": [("s", 0, 1.0 / 3600)],
    "d": [("s", 0, 1.0 / 86400)], "min": [("s", 0, 1.0 / 60)], "y": [("s", 0, 1.0 / (365.0 * 86400))],
    "kg": [("kg", 0, 1.0)], "t": [("kg", -3, 1.0)],
}
UNITLESS = {"", "counter", "hca", "nr", "factor", "rh", "pct", "ppm", "dbm", "month"}
DECIMALS = [None, 6, 3, 2, 1, 0, 5, 4]


def suffix(name):
    return name.rsplit("_", 1)[1] if "_" in name else ""


def close(e, g):
    return abs(e - g) <= 1e-9 * max(abs(e), abs(g)) + 1e-12


def round_half_away(x, d):
    p = 10.0 ** d
    return math.copysign(math.floor(abs(x) * p + 0.5), x) / p


def record_number(r, unit):
    """The record's value in the field unit, or None (as convert() in drivers.cpp)."""
    if r.get("value") is None or r.get("time") is not None or "text" in r:
        return None
    rules = [("*", 0, 1.0)] if unit in UNITLESS else [x for x in UNIT_RULES.get(unit, [])]
    for sym, p10, factor in rules:
        if sym != "*" and sym != r["unit"]:
            continue
        if "mantissa" in r:
            x = float(decimal.Decimal(r["mantissa"]).scaleb(r["exponent"] + p10))
        else:
            x = r["value"] * 10.0 ** p10
        return x if factor == 1.0 else x * factor
    return None


def normalize(text):
    """Day/month 0 rolled back as a calendar library does (format_time in drivers.cpp)."""
    import datetime
    y, m, d = int(text[0:4]), int(text[5:7]), int(text[8:10])
    if m != 0 and d != 0:
        return text
    if m == 0:
        y, m = y - 1, 12
    day = datetime.date(y, m, 1) + datetime.timedelta(days=d - 1)
    return day.isoformat() + text[10:]


def outputs(r, name):
    """Every (format options, value) a field could read from this record."""
    out = []
    if r.get("time") is not None:
        t = r["time"]
        inv = {"ignore_invalid": True} if r.get("time_invalid") else {}
        auto = 19 if len(r["raw"]) == 12 else 16
        for fmt, n in (("date", 10), ("datetime", 16), ("datetime_s", 19), ("datetime_auto", auto)):
            out.append(({"format": fmt, **inv}, t[:n]))
            if t[5:7] == "00" or t[8:10] == "00":
                out.append(({"format": fmt, "normalize_date": True, **inv}, normalize(t)[:n]))
    if "text" in r:
        out.append(({"format": "text"}, r["text"]))
    if "mantissa" in r and r["exponent"] == 0:
        out.append(({"format": "text"}, str(r["mantissa"])))
    raw = r["raw"]
    rev = "".join(raw[i:i + 2] for i in range(len(raw) - 2, -1, -2))
    out.append(({"format": "hex"}, rev))
    chars = bytes.fromhex(rev)
    if chars and all(0x20 <= c <= 0x7E for c in chars):
        out.append(({"format": "ascii"}, chars.decode()))
    for unit_opt in ({}, {"unit": ""}, {"unsigned": True}):
        # {"unit": ""}: a unitless record (manufacturer-specific VIF) read as it is
        if "unit" in unit_opt and (r["unit"] != "" or suffix(name) in UNITLESS):
            continue
        x = record_number(r, "" if "unit" in unit_opt else suffix(name))
        if x is None:
            continue
        if "unsigned" in unit_opt:
            # the data field read without sign (integer codings up to 48 bits)
            n = len(r["raw"]) // 2
            sent = int.from_bytes(bytes.fromhex(r["raw"]), "little", signed=True)
            if r.get("mantissa") is None or sent >= 0 or n > 6 or r["mantissa"] % sent or r["dif"] & 0x0F not in (1, 2, 3, 4, 6):
                continue
            m = r["mantissa"] // sent * (sent + (1 << (8 * n)))
            x = record_number({**r, "mantissa": m}, suffix(name))
        for d in DECIMALS:
            opt = dict(unit_opt) if d is None else {**unit_opt, "decimals": d}
            out.append((opt, x if d is None else round_half_away(x, d)))
    return out


def value_ok(expected, got):
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return isinstance(got, (int, float)) and close(float(expected), float(got))
    return isinstance(got, str) and got.strip() == str(expected).strip()


OPTION_KEYS = ("format", "decimals", "normalize_date", "unit", "unsigned", "ignore_invalid")
KEYS = ("quantity", "table", "vif", "vife", "storage", "tariff", "subunit", "function", "dif")


def selector_of(r, level):
    s = {"quantity": r["quantity"]}
    if r["table"] != "primary":
        s["table"] = r["table"]
    if level >= 1:
        s["vif"] = "0x%02X" % r["vif"]
    if r["vife"]:
        s["vife"] = ["0x%02X" % v for v in r["vife"]]
    for k, dflt in (("storage", 0), ("tariff", 0), ("subunit", 0), ("function", "instantaneous")):
        if r[k] != dflt:
            s[k] = r[k]
    if level >= 2:
        s["dif"] = "0x%02X" % r["dif"]
    return s


def selects(s, r):
    if s.get("quantity") and s["quantity"] != r["quantity"]:
        return False
    if s.get("table", "primary") != r["table"]:
        return False
    if "vif" in s and int(s["vif"], 16) != r["vif"]:
        return False
    if "dif" in s and int(s["dif"], 16) != r["dif"]:
        return False
    if [int(v, 16) for v in s.get("vife", [])] != r["vife"]:
        return False
    for k, dflt in (("storage", 0), ("tariff", 0), ("subunit", 0), ("function", "instantaneous")):
        if s.get(k, dflt) != r[k]:
            return False
    return True


def find(s, desc):
    n = 0
    for r in desc["records"]:
        if selects(s, r):
            if n == s.get("nth", 0):
                return r
            n += 1
    return None


def evaluate(field, desc):
    r = find(field["record"], desc)
    if r is None:
        return None
    opts = {k: v for k, v in field.items() if k in OPTION_KEYS}
    for o, v in outputs(r, field["name"]):
        if o == opts:
            return v
    return None


def date_bytes(b):
    """EN 13757-3 Annex A type G (2 bytes), F (4) or I (6) as driver text, or None."""
    at = {2: 0, 4: 2, 6: 3}[len(b)]
    day, month = b[at] & 0x1F, b[at + 1] & 0x0F
    year = 2000 + ((b[at] & 0xE0) >> 5 | (b[at + 1] & 0xF0) >> 1)
    if month > 12 or day > 31:
        return None
    text = "%d-%02d-%02d" % (year, month, day)
    if len(b) == 4:
        return text + " %02d:%02d" % (b[1] & 0x1F, b[0] & 0x3F)
    if len(b) == 6:
        return text + " %02d:%02d:%02d" % (b[2] & 0x1F, b[1] & 0x3F, b[0] & 0x3F)
    return text


def bytes_value(field, desc):
    b = field["bytes"]
    src = bytes.fromhex(desc["mfct_data"] if b["source"] == "mfct_data" else desc["payload"])
    o, n = b["offset"], b["length"]
    if o + n > len(src):
        return None
    chunk = src[o:o + n]
    fmt = field.get("format", "number")
    if fmt != "number":
        t = date_bytes(chunk)
        if t is None:
            return None
        if fmt == "date":
            return t[:10]
        return t if len(t) > 10 else t + " 00:00"
    coding = b.get("coding", "uint_le")
    if coding == "bcd_le":
        h = chunk[::-1].hex()
        if not h.isdigit():
            return None
        x = int(h)
    else:
        x = int.from_bytes(chunk, "little", signed=coding == "int_le")
    return x * field.get("scale", 1.0)


def field_value(field, desc):
    return bytes_value(field, desc) if "bytes" in field else evaluate(field, desc)


def candidates(name, desc, v0):
    """Field specs that give v0 on this telegram: records first (least specific selector), then
    bytes of the manufacturer data."""
    out = []
    for level in (0, 1, 2):
        for r in desc["records"]:
            for opts, got in outputs(r, name):
                if not value_ok(v0, got):
                    continue
                sel = selector_of(r, level)
                same = [x for x in desc["records"] if selects(sel, x)]
                nth = next(i for i, x in enumerate(same) if x is r)
                if nth:
                    sel["nth"] = nth
                f = {"name": name, "record": sel, **opts}
                if f not in out:
                    out.append(f)
    source = "mfct_data" if desc.get("mfct_data") else "payload"
    m = bytes.fromhex(desc[source])
    if isinstance(v0, str) and len(v0) in (10, 16, 19):
        for n in (2, 4, 6):
            for o in range(0, len(m) - n + 1):
                for fmt in (("date",) if n == 2 else ("datetime", "datetime_s")):
                    f = {"name": name, "format": fmt, "bytes": {"source": source, "offset": o, "length": n}}
                    if value_ok(v0, bytes_value(f, desc)):
                        out.append(f)
    elif isinstance(v0, (int, float)) and not isinstance(v0, bool) and v0 != 0 and suffix(name) in UNIT_RULES.keys() | UNITLESS:
        for n in (2, 4, 3, 1):  # common counter widths first: one telegram cannot tell 0x0012 from 0x12
            for o in range(0, len(m) - n + 1):
                for coding in ("uint_le", "int_le", "bcd_le"):
                    for k in (0, 1, 2, 3):
                        f = {"name": name, "bytes": {"source": source, "offset": o, "length": n, "coding": coding}}
                        if k:
                            f["scale"] = 10.0 ** -k
                        if value_ok(v0, bytes_value(f, desc)):
                            out.append(f)
                            break
    return out


def draft_field(name, cases):
    """cases: [(describe, expected value or None)]. A list of alternative field specs (same name,
    first with a value wins) that reproduces every case, or None."""
    present = [i for i, (d, v) in enumerate(cases) if v is not None]
    if not present:
        return None
    chain, decided = [], set()
    while True:
        open_cases = [i for i in present if i not in decided]
        if not open_cases:
            break
        best, best_gain = None, 0
        for f in candidates(name, cases[open_cases[0]][0], cases[open_cases[0]][1]):
            gain, ok = 0, True
            for i, (d, v) in enumerate(cases):
                if i in decided:
                    continue
                g = field_value(f, d)
                if g is None:
                    continue
                if v is None or not value_ok(v, g):
                    ok = False
                    break
                gain += 1
            # A byte position found in one telegram can be a coincidence: bytes fields must be
            # confirmed by at least two telegrams.
            if "bytes" in f and gain < 2:
                ok = False
            if ok and gain > best_gain:
                best, best_gain = f, gain
                if gain == len(open_cases):
                    break
        if best is None:
            return None
        chain.append(best)
        decided |= {i for i, (d, v) in enumerate(cases) if i not in decided and field_value(best, d) is not None}
    return chain


def tpl_words(st):
    """EN 13757-3 Table 6 words of the TPL status byte (as tpl_status_words in drivers.cpp)."""
    w = [None, "BUSY", "ERROR", "ABNORMAL"][st & 3]
    out = [w] if w else []
    out += [n for b, n in ((4, "POWER_LOW"), (8, "PERMANENT_ERROR"), (16, "TEMPORARY_ERROR")) if st & b]
    if st & 0xE0:
        out.append("UNKNOWN_%02X" % (st & 0xE0))
    return out


def record_bits(r):
    if r.get("mantissa") is not None and r.get("exponent") == 0 and r["mantissa"] >= 0:
        return r["mantissa"]
    return int.from_bytes(bytes.fromhex(r["raw"]), "little")


def status_text(spec, desc):
    words = []
    if spec.get("tpl", True):
        words += tpl_words(desc["tpl_status"] & spec.get("tpl_mask", 0xFF))
    masks = {int(k, 16): v for k, v in spec.get("words", {}).items()}
    for sel in spec.get("records", []):
        r = find(sel, desc)
        if r is None:
            continue
        bits, named = record_bits(r), 0
        for m, w in masks.items():
            if m and bits & m == m:
                words.append(w)
                named |= m
        if bits & ~named:
            words.append("UNKNOWN_%X" % (bits & ~named))
    words = sorted(set(words))
    return " ".join(words) if words else "OK"


def draft_status(name, cases):
    """A status field (TPL status byte + one flag record with learnt bit words) for all cases."""
    present = [(d, v) for d, v in cases if v is not None]
    if not present or not all(isinstance(v, str) for _, v in present):
        return None
    configs = [[]]
    seen = []
    for d, _ in present:
        for r in d["records"]:
            if r.get("time") is not None or "text" in r or r.get("value") is None and r.get("mantissa") is None:
                continue
            sel = selector_of(r, 1)
            if sel not in seen:
                seen.append(sel)
                configs.append([sel])
    for tpl in ({"tpl": True}, {"tpl": False}):
        for recs in configs:
            spec = {**tpl}
            if recs:
                spec["records"] = recs
            # learn words: every word not explained by the TPL byte must be one bit pattern of the record
            learn, ok = {}, True
            for d, v in present:
                base = set(tpl_words(d["tpl_status"])) if tpl["tpl"] else set()
                want = set(v.split()) - {"OK"}
                if not base <= want:
                    ok = False
                    break
                r = find(recs[0], d) if recs else None
                bits = record_bits(r) if r is not None else 0
                for w in want - base:
                    if w.startswith("UNKNOWN_"):
                        continue
                    learn[w] = learn.get(w, bits) & bits
            if not ok or any(m == 0 for m in learn.values()):
                continue
            if learn:
                spec["words"] = {"0x%X" % m: w for w, m in sorted(learn.items(), key=lambda x: x[1])}
            if all(status_text(spec, d) == (v or "").strip() for d, v in present) and \
                    all(v is not None for _, v in cases):
                return {"name": name, "status": spec}
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--describe", required=True, type=pathlib.Path)
    ap.add_argument("--expected", required=True, type=pathlib.Path)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--base", type=pathlib.Path, help="folder of existing drivers to start from")
    ap.add_argument("--keep", default="", help="comma-separated fields of the base driver kept as they are")
    ap.add_argument("--out", type=pathlib.Path, help="write the driver here (default: stdout)")
    a = ap.parse_args()
    cases = []
    for p in sorted(a.expected.glob("*.expected.json")):
        e = json.loads(p.read_text())
        if e.get("meter", {}).get("driver") != a.driver:
            continue
        dp = a.describe / (e["id"] + ".json")
        if not dp.exists():
            print(f"{e['id']}: no describe output (decode failed?)", file=sys.stderr)
            continue
        cases.append((json.loads(dp.read_text()), {v["id"]: v["value"] for v in e["values"]}))
    if not cases:
        sys.exit("no telegrams for this driver")
    base = None
    if a.base and (a.base / (a.driver + ".json")).exists():
        base = json.loads((a.base / (a.driver + ".json")).read_text())
    keep = set(x for x in a.keep.split(",") if x)
    names = []
    for _, vals in cases:
        for k in vals:
            if k not in names:
                names.append(k)
    fields, missing = [], []
    base_fields = {}
    for f in (base or {}).get("fields", []):
        base_fields.setdefault(f["name"], []).append(f)
    for n in names:
        if n in keep and n in base_fields:
            fields.extend(base_fields[n])
            continue
        chain = draft_field(n, [(d, v.get(n)) for d, v in cases])
        st = None if chain else draft_status(n, [(d, v.get(n)) for d, v in cases])
        if chain:
            fields.extend(chain)
        elif st:
            fields.append(st)
        elif n in base_fields:
            fields.extend(base_fields[n])
            missing.append(n + " (kept from base, not verified)")
        else:
            missing.append(n)
    for n, fs in base_fields.items():
        if n not in names:
            fields.extend(fs)
    if base:
        match = base["match"]
    else:
        match = []
        for d, _ in cases:
            m = {"manufacturer": d["manufacturer"], "version": d["version"], "medium": d["medium"]}
            if m not in match:
                match.append(m)
    drv = {"name": a.driver, **({"meter_type": base["meter_type"]} if base and "meter_type" in base else {}),
           "match": match, "fields": fields}
    text = json.dumps(drv, indent=1) + "\n"
    if a.out:
        a.out.write_text(text)
    else:
        sys.stdout.write(text)
    for m in missing:
        print(f"{a.driver}: no selector found for {m}", file=sys.stderr)


if __name__ == "__main__":
    main()
