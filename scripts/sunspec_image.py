#!/usr/bin/env python3
"""Builds a SunSpec register map from a device image (pysunspec2's JSON format:
{"models": [{"ID": 1, "Mn": ..., "Crv": [{...}, ...]}, ...]}) and the model
definitions, the way a SunSpec device lays it out: "SunS" at the base address,
then each model (ID, L, points; repeating groups in order), then 0xFFFF 0.

Usage: scripts/sunspec_image.py IMAGE.json [MODELS_DIR] > image.hex
As a module: build_registers(image_dict, models_dir) -> list[int] (16-bit registers).
Values are raw register values (before scale factors); None/absent points get the
not-implemented sentinel of their type.
"""
import json
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_MODELS = ROOT / "tests/data/meter/sunspec/models"

SENTINEL = {"int16": 0x8000, "sunssf": 0x8000, "uint16": 0xFFFF, "enum16": 0xFFFF, "bitfield16": 0xFFFF,
            "count": 0xFFFF, "acc16": 0, "int32": 0x80000000, "uint32": 0xFFFFFFFF, "enum32": 0xFFFFFFFF,
            "bitfield32": 0xFFFFFFFF, "acc32": 0, "int64": 0x8000000000000000, "uint64": 0xFFFFFFFFFFFFFFFF,
            "acc64": 0, "pad": 0x8000, "ipaddr": 0}


def load_models(models_dir):
    out = {}
    for f in pathlib.Path(models_dir).glob("model_*.json"):
        d = json.loads(f.read_text())
        out[d["id"]] = d
    return out


def encode_point(p, v):
    t, size = p["type"], p["size"]
    if t == "string":
        b = (v or "").encode()[: 2 * size].ljust(2 * size, b"\0")
        return [b[i] << 8 | b[i + 1] for i in range(0, 2 * size, 2)]
    if t in ("float32",):
        u = 0x7FC00000 if v is None else struct.unpack(">I", struct.pack(">f", float(v)))[0]
    elif t in ("float64",):
        u = 0x7FF8000000000000 if v is None else struct.unpack(">Q", struct.pack(">d", float(v)))[0]
    elif t in ("ipv6addr", "eui48"):
        return [0] * size
    else:
        u = SENTINEL.get(t, 0) if v is None else int(v) & ((1 << (16 * size)) - 1)
    return [(u >> (16 * (size - 1 - k))) & 0xFFFF for k in range(size)]


def encode_group(g, vals, regs):
    for p in g.get("points", []):
        regs += encode_point(p, vals.get(p["name"]) if isinstance(vals, dict) else None)
    for c in g.get("groups", []):
        inst = vals.get(c["name"]) if isinstance(vals, dict) else None
        if inst is None:
            count = c.get("count", 1)
            inst = [{}] * (count if isinstance(count, int) and count > 0 else 1 if not isinstance(count, int) else 0)
            if isinstance(count, str):
                n = vals.get(count) if isinstance(vals, dict) else None
                inst = [{}] * (n or 0)
        if isinstance(inst, dict):
            inst = [inst]
        for v in inst:
            encode_group(c, v, regs)


def build_registers(image, models_dir=DEFAULT_MODELS):
    defs = load_models(models_dir)
    regs = [0x5375, 0x6E53]  # "SunS"
    for m in image["models"]:
        mid = m["ID"]
        if mid == 0xFFFF:
            break
        body = []
        encode_group(defs[mid]["group"], m, body)
        body[1] = len(body) - 2  # L
        regs += body
    regs += [0xFFFF, 0]
    return regs


if __name__ == "__main__":
    image = json.loads(pathlib.Path(sys.argv[1]).read_text())
    regs = build_registers(image, sys.argv[2] if len(sys.argv) > 2 else DEFAULT_MODELS)
    print(" ".join(f"{r:04X}" for r in regs))
