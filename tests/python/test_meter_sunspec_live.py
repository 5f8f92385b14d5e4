"""Live-device test: a SunSpec device served by pymodbus on 127.0.0.1, discovered and
decoded by joule's Modbus TCP client; pymodbus's own client must read the same numbers."""
import json
import pathlib
import socket
import subprocess
import sys
import time

import pytest

import joule
import joule.meter

pymodbus = pytest.importorskip("pymodbus", reason="python3-pymodbus (Debian) is not installed")

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMAGES = ROOT / "tests/data/meter/sunspec/device-images"


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(params=["device_1547", "inverter_123"])
def server(request):
    port = _free_port()
    image = IMAGES / f"{request.param}.json"
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests/python/sunspec_server.py"), str(image), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("server exited: " + proc.stderr.read().decode(errors="replace"))
            time.sleep(0.1)
    else:
        proc.kill()
        proc.wait()
        proc.stderr.close()
        pytest.fail("pymodbus server did not start")
    yield port, json.loads(image.read_text())
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stderr.close()


def _regs_pymodbus(port, address, count):
    from pymodbus.client import ModbusTcpClient

    c = ModbusTcpClient("127.0.0.1", port=port)
    assert c.connect()
    out = []
    try:
        while count > 0:
            n = min(count, 125)
            r = c.read_holding_registers(address, n, slave=1)
            assert not r.isError(), r
            out += r.registers
            address += n
            count -= n
    finally:
        c.close()
    return out


def test_read_sunspec_matches_pymodbus_client(server):
    port, image = server
    telegrams = joule.meter.read_sunspec("127.0.0.1", port, 1)
    ids = [m["ID"] for m in image["models"] if m["ID"] != 0xFFFF]
    assert len(telegrams) == len(ids)
    # pymodbus reads the same registers; decode the top-level points by hand.
    regs = _regs_pymodbus(port, 40000, 2)
    assert regs == [0x5375, 0x6E53]
    addr = 40002
    total = 0
    for t, mid in zip(telegrams, ids):
        hdr = _regs_pymodbus(port, addr, 2)
        assert hdr[0] == mid
        body = _regs_pymodbus(port, addr + 2, hdr[1])
        model = json.loads((ROOT / f"tests/data/meter/sunspec/models/model_{mid}.json").read_text())
        values = {v["id"]: v for v in t["values"]}
        name = model["group"]["name"]
        offset = 0
        pts = {p["name"]: p for p in model["group"]["points"]}
        raw = {}
        for p in model["group"]["points"]:
            r = ([hdr[0], hdr[1]] + body)[offset: offset + p["size"]]
            raw[p["name"]] = r
            offset += p["size"]
        checked = 0
        for pname, p in pts.items():
            if p["type"] not in ("int16", "uint16", "acc32", "uint32", "int32", "enum16", "sunssf") or pname in ("ID", "L"):
                continue
            u = 0
            for w in raw[pname]:
                u = u << 16 | w
            bits = 16 * p["size"]
            sentinel = {"int16": 0x8000, "sunssf": 0x8000, "int32": 0x80000000}.get(p["type"], (1 << bits) - 1)
            if p["type"] == "acc32":
                sentinel = 0
            if u == sentinel:
                assert f"{name}.{pname}" not in values
                continue
            if p["type"] in ("int16", "int32", "sunssf") and u >> (bits - 1):
                u -= 1 << bits
            sf = 0
            if "sf" in p:
                s = raw[p["sf"]][0] if isinstance(p["sf"], str) and p["sf"] in raw else p["sf"]
                if isinstance(s, int) and s != 0x8000:
                    sf = s - 0x10000 if s >= 0x8000 else s
            got = values[f"{name}.{pname}"]["value"]
            assert float(got) == pytest.approx(u * 10.0 ** sf, rel=1e-12), pname
            checked += 1
        total += checked
        addr += 2 + hdr[1]
    assert total >= 3


def test_read_sunspec_no_server():
    with pytest.raises(joule.Error):
        joule.meter.read_sunspec("127.0.0.1", _free_port(), 1)
