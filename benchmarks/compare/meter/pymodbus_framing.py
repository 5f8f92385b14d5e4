"""Times pymodbus's Modbus TCP (socket) and RTU framers on FC 3 responses of 10 registers
and runs joule's equivalent (argv[1]); prints ratio= lines."""
import re
import struct
import subprocess
import sys
import time

from pymodbus.factory import ClientDecoder
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.utilities import computeCRC

N = 5000
pdu = bytes([3, 20]) + b"".join(struct.pack(">H", 1000 + k) for k in range(10))


def bench_tcp():
    stream = b"".join(struct.pack(">HHHB", i & 0xFFFF, 0, len(pdu) + 1, 1) + pdu for i in range(N))
    framer = ModbusSocketFramer(ClientDecoder())
    got = []
    t0 = time.perf_counter()
    framer.processIncomingPacket(stream, got.append, unit=[1], single=True)
    dt = time.perf_counter() - t0
    assert len(got) == N, len(got)
    return N / dt


def bench_rtu():
    body = bytes([1]) + pdu
    frame = body + struct.pack(">H", computeCRC(body))
    framer = ModbusRtuFramer(ClientDecoder())
    got = []
    t0 = time.perf_counter()
    for _ in range(N):
        framer.processIncomingPacket(frame, got.append, unit=[1], single=True)
    dt = time.perf_counter() - t0
    assert len(got) == N, len(got)
    return N / dt


tcp, rtu = bench_tcp(), bench_rtu()
print(f"pymodbus_tcp frames_per_s={tcp:.0f}")
print(f"pymodbus_rtu frames_per_s={rtu:.0f}")
out = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True).stdout
print(out.strip())
jt = float(re.search(r"joule_tcp frames_per_s=(\d+)", out).group(1))
jr = float(re.search(r"joule_rtu frames_per_s=(\d+)", out).group(1))
print(f"ratio={jt / tcp:.0f} modbus-tcp joule/pymodbus frames per second")
print(f"ratio={jr / rtu:.0f} modbus-rtu joule/pymodbus frames per second")
