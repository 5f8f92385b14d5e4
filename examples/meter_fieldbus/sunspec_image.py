"""Decodes a SunSpec register image with joule.meter (a device would be read with
joule.meter.read_sunspec(host, port, unit)). Usage: sunspec_image.py REGISTERS.hex"""
import sys

import joule.meter

words = open(sys.argv[1]).read().split()
image = b"".join(int(w, 16).to_bytes(2, "big") for w in words)
for t in joule.meter.decode(image, "sunspec"):
    for v in t["values"]:
        print(f'{v["id"]} = {v["value"]} {v.get("unit", "")}'.rstrip())
