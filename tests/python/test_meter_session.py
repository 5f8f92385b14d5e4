"""joule.meter.ModeCSession / read_mode_c and `joule meter read`: the IEC 62056-21 mode C
handshake through a pseudo-terminal, against a simulated meter that speaks the byte sequences
of §6.3/§6.4.3 (request, identification with baud character, ACK option select, data message
with BCC) and checks the rate joule set with termios (a pty master reads the slave's; Linux
keeps a pty at 8 bits without parity, so the 7E1 character format is not observable here)."""
from __future__ import annotations

import json
import os
import select
import subprocess
import termios
import threading
import time
from typing import Dict, Optional

import pytest

import joule
import joule.meter as jm

BODY = b"0.0.0(12345678)\r\n1.8.0(0001234.5*kWh)\r\n2.8.0(0000012.3*kWh)\r\n!\r\n\x03"


def _bcc(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def _read_until(fd: int, end: bytes, timeout: float = 3.0) -> bytes:
    got = b""
    t0 = time.monotonic()
    while end not in got and time.monotonic() - t0 < timeout:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 256)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    return got


def _speed(fd: int) -> int:
    return termios.tcgetattr(fd)[5]


class Meter(threading.Thread):
    """A simulated mode C meter on the pty master: "/ISk5MT174-0001" ('5' = 9600 baud)."""

    def __init__(self, master: int, corrupt_bcc: bool = False, soft_parity: bool = False,
                 flip_parity_at: int = -1) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.corrupt_bcc = corrupt_bcc
        self.soft = soft_parity  # an 8N1 link carrying 7E1 characters: parity in bit 7
        self.flip = flip_parity_at
        self.log: Dict[str, object] = {}

    def _out(self, data: bytes, flip: int = -1) -> bytes:
        if not self.soft:
            return data
        out = bytes(b | 0x80 if bin(b).count("1") % 2 else b for b in data)
        if 0 <= flip < len(out):
            out = out[:flip] + bytes([out[flip] ^ 0x80]) + out[flip + 1:]
        return out

    def _in(self, data: bytes, key: str) -> bytes:
        if self.soft:
            self.log[key + "_parity_ok"] = all(bin(b).count("1") % 2 == 0 for b in data)
            data = bytes(b & 0x7F for b in data)
        return data

    def run(self) -> None:
        m = self.master
        self.log["request"] = self._in(_read_until(m, b"\n"), "request")
        self.log["speed0"] = _speed(m)
        os.write(m, self._out(b"/ISk5MT174-0001\r\n"))
        self.log["ack"] = self._in(_read_until(m, b"\n"), "ack")
        t0 = time.monotonic()
        while _speed(m) != termios.B9600 and time.monotonic() - t0 < 2.0:
            time.sleep(0.01)
        self.log["speed1"] = _speed(m)
        bcc = _bcc(BODY) ^ (1 if self.corrupt_bcc else 0)
        msg = self._out(b"\x02" + BODY + bytes([bcc]), self.flip)
        os.write(m, msg[:20])
        time.sleep(0.02)
        os.write(m, msg[20:])
        _read_until(m, b"never", 0.3)


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, slave, path
    os.close(master)
    os.close(slave)


def _check_meter_log(log: Dict[str, object]) -> None:
    assert log["request"] == b"/?!\r\n"
    assert log["speed0"] == termios.B300
    assert log["ack"] == b"\x06050\r\n"
    assert log["speed1"] == termios.B9600


def _values(t: dict) -> Dict[str, object]:
    return {v["id"]: v["value"] for v in t["values"]}


def test_read_mode_c_through_pty(pty_pair) -> None:
    master, _, path = pty_pair
    meter = Meter(master)
    meter.start()
    t = jm.read_mode_c(path, max_baud=19200)
    meter.join(5)
    _check_meter_log(meter.log)
    assert t["identifier"] == "ISk5MT174-0001"
    assert t["baud"] == 9600
    v = _values(t)
    assert len(v) == 3
    assert [x for k, x in v.items() if k.endswith("1.8.0")] == [pytest.approx(1234.5)]
    assert [x for k, x in v.items() if k.endswith("2.8.0")] == [pytest.approx(12.3)]


def test_read_mode_c_software_parity_through_pty(pty_pair) -> None:
    """8N1 link with the parity in bit 7: joule adds it to what it sends and checks it."""
    master, _, path = pty_pair
    meter = Meter(master, soft_parity=True)
    meter.start()
    t = jm.read_mode_c(path, max_baud=19200, parity="software")
    meter.join(5)
    _check_meter_log(meter.log)
    assert meter.log["request_parity_ok"] and meter.log["ack_parity_ok"]
    v = _values(t)
    assert len(v) == 3
    assert [x for k, x in v.items() if k.endswith("1.8.0")] == [pytest.approx(1234.5)]
    with pytest.raises(joule.InvalidArgumentError, match="parity"):
        jm.read_mode_c_raw(path, parity="odd")


def test_read_mode_c_software_parity_error_raises(pty_pair) -> None:
    master, _, path = pty_pair
    meter = Meter(master, soft_parity=True, flip_parity_at=30)
    meter.start()
    with pytest.raises(joule.ChecksumError, match="parity"):
        jm.read_mode_c_raw(path, parity="software")
    meter.join(5)


def test_read_mode_c_wrong_bcc_raises(pty_pair) -> None:
    master, _, path = pty_pair
    meter = Meter(master, corrupt_bcc=True)
    meter.start()
    with pytest.raises(joule.ChecksumError):
        jm.read_mode_c_raw(path)
    meter.join(5)


def test_session_object_driven_over_pty(pty_pair) -> None:
    """The sans-IO session driven from Python: joule says what to send and when to switch."""
    master, _, path = pty_pair
    meter = Meter(master)
    meter.start()
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        s = jm.ModeCSession(max_baud=9600)
        step = s.start()
        rates = {300: termios.B300, 9600: termios.B9600}
        seen = []
        while step["action"] not in ("done", "failed"):
            seen.append(step["action"])
            if step["action"] == "send":
                os.write(fd, step["bytes"])
                step = s.on_sent()
            elif step["action"] == "set_baud":
                termios.tcdrain(fd)
                a = termios.tcgetattr(fd)
                a[0] = 0  # iflag: raw
                a[1] = 0
                a[3] = 0  # lflag: no echo, no canonical mode
                a[2] = (a[2] & ~(termios.CSIZE | termios.PARODD | termios.CSTOPB)) | termios.CS7 | termios.PARENB
                a[4] = a[5] = rates[step["baud"]]
                a[6][termios.VMIN] = 0
                a[6][termios.VTIME] = 0
                try:
                    termios.tcsetattr(fd, termios.TCSANOW, a)
                except termios.error:  # a pty keeps 8N1 (glibc says EINVAL); the rate took
                    assert termios.tcgetattr(fd)[5] == a[5]
                step = s.on_baud_set()
            else:
                r, _, _ = select.select([fd], [], [], step["timeout_ms"] / 1000)
                step = s.on_received(os.read(fd, 256)) if r else s.on_timeout()
        meter.join(5)
        assert step["action"] == "done", step
        assert seen[:3] == ["set_baud", "send", "receive"]
        _check_meter_log(meter.log)
        assert s.identification == "ISk5MT174-0001"
        assert s.data_baud == 9600
        t = jm.decode(s.readout, "iec62056-21")[0]
        assert len(t["values"]) == 3
    finally:
        os.close(fd)


def test_session_scripted_errors_and_programming_mode() -> None:
    s = jm.ModeCSession(address="42", max_baud=2400)
    assert s.start() == {"action": "set_baud", "bytes": b"", "baud": 300, "timeout_ms": 0, "error": None,
                         "message": None}
    assert s.on_baud_set()["bytes"] == b"/?42!\r\n"
    s.on_sent()
    step = s.on_received(b"/LGZ6ZMD\r\n")
    assert step["action"] == "send" and step["bytes"] == b"\x06030\r\n"  # 19200 offered, 2400 allowed
    s.on_sent()
    s.on_baud_set()
    step = s.on_timeout()
    assert step["action"] == "failed" and step["error"] == "incomplete"
    p = jm.ModeCSession(mode="programming")
    p.start()
    p.on_baud_set()
    p.on_sent()
    assert p.on_received(b"/ISk5MT174-0001\r\n")["bytes"] == b"\x06051\r\n"
    p.on_sent()
    p.on_baud_set()
    body = b"P0\x02(12345678)\x03"
    step = p.on_received(b"\x01" + body + bytes([_bcc(body)]))
    assert step["action"] == "ready" and p.reply_kind == "operand" and p.reply == "(12345678)"
    step = p.command("P1", "(00000000)")
    assert step["action"] == "send" and step["bytes"][:3] == b"\x01P1"
    p.on_sent()
    assert p.on_received(b"\x06")["action"] == "ready" and p.reply_kind == "ack"
    with pytest.raises(joule.InvalidArgumentError):
        p.command("X9")
    with pytest.raises(joule.InvalidArgumentError):
        jm.ModeCSession(mode="fast")
    with pytest.raises(joule.errors.IOError_):
        jm.read_mode_c_raw("/nonexistent/tty")


def _run_cli(cli: str, path: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([cli, "meter", "read", "--port", path, *extra], capture_output=True, timeout=30)


def test_cli_meter_read_through_pty(cli: str, pty_pair) -> None:
    master, _, path = pty_pair
    meter = Meter(master)
    meter.start()
    r = _run_cli(cli, path, "--max-baud", "19200")
    meter.join(5)
    assert r.returncode == 0, r.stderr
    _check_meter_log(meter.log)
    t = json.loads(r.stdout.decode().splitlines()[0])
    assert t["protocol"] == "iec62056-21"
    assert t["identifier"] == "ISk5MT174-0001"
    assert len(t["values"]) == 3
    assert b"9600 baud" in r.stderr


def test_cli_meter_read_software_parity(cli: str, pty_pair) -> None:
    master, _, path = pty_pair
    meter = Meter(master, soft_parity=True)
    meter.start()
    r = _run_cli(cli, path, "--parity", "software")
    meter.join(5)
    assert r.returncode == 0, r.stderr
    assert meter.log["request_parity_ok"]
    assert len(json.loads(r.stdout.decode().splitlines()[0])["values"]) == 3


def test_cli_meter_read_wrong_bcc_fails(cli: str, pty_pair) -> None:
    master, _, path = pty_pair
    meter = Meter(master, corrupt_bcc=True)
    meter.start()
    r = _run_cli(cli, path)
    meter.join(5)
    assert r.returncode == 1
    assert b"checksum_mismatch" in r.stderr
    r = _run_cli(cli, "/nonexistent/tty")
    assert r.returncode == 1 and b"io_error" in r.stderr


def _with_bcc(lead: bytes, rest: bytes) -> bytes:
    return lead + rest + bytes([_bcc(rest)])


class ProgMeter(threading.Thread):
    """A meter in programming mode: P0 operand, ACK to the password "secret", the value of
    1.8.0 to R1 (after one NAK), "(ER01)" for other addresses, then B0."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.log: Dict[str, object] = {"commands": []}

    def run(self) -> None:
        m = self.master
        _read_until(m, b"\r\n")
        os.write(m, b"/ISk5MT174-0001\r\n")
        self.log["ack"] = _read_until(m, b"\r\n")
        t0 = time.monotonic()
        while _speed(m) != termios.B9600 and time.monotonic() - t0 < 2.0:
            time.sleep(0.01)
        os.write(m, _with_bcc(b"\x01", b"P0\x02(12345678)\x03"))
        nak = False
        while True:
            cmd = _read_until(m, b"\x03")
            if not cmd:
                return
            _read_until(m, b"zz", 0.1)  # the BCC byte
            self.log["commands"].append(cmd)
            if b"B0" in cmd:
                return
            if b"P1" in cmd:
                os.write(m, b"\x06" if b"(secret)" in cmd else b"\x15")
            elif b"R1" in cmd:
                if not nak:
                    nak = True
                    os.write(m, b"\x15")
                    continue
                os.write(m, _with_bcc(b"\x02", (b"(0001234.5*kWh)" if b"1.8.0()" in cmd else b"(ER01)") + b"\x03"))


def test_program_mode_c_through_pty(pty_pair) -> None:
    master, _, path = pty_pair
    meter = ProgMeter(master)
    meter.start()
    r = jm.program_mode_c(path, password="secret", reads=["1.8.0", "9.9.9"])
    meter.join(5)
    assert meter.log["ack"] == b"\x06051\r\n"
    assert r["operand"] == "(12345678)"
    assert r["replies"] == [("P1", "(secret)", "ack", ""), ("R1", "1.8.0()", "data", "(0001234.5*kWh)"),
                            ("R1", "9.9.9()", "data", "(ER01)")]
    assert any(b"B0" in c for c in meter.log["commands"])
    assert sum(b"R1" in c for c in meter.log["commands"]) == 3  # the NAKed read went again
    with pytest.raises(joule.InvalidArgumentError, match="command"):
        jm.program_mode_c(path, commands=[("X9", "")])


def test_cli_meter_read_programming(cli: str, pty_pair) -> None:
    master, _, path = pty_pair
    meter = ProgMeter(master)
    meter.start()
    r = _run_cli(cli, path, "--password", "secret", "--read", "1.8.0")
    meter.join(5)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.decode())
    assert out["operand"] == "(12345678)"
    assert out["replies"][0] == {"command": "P1", "address": "", "reply": "ack", "data": ""}
    assert out["replies"][1] == {"command": "R1", "address": "1.8.0", "reply": "data", "data": "(0001234.5*kWh)"}
