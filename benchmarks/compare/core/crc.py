"""Times CRC-16 over the same 1 KiB frames with joule and with peers; prints ratio= lines."""
import binascii
import os
import time

import joule

FRAMES = [os.urandom(1024) for _ in range(2000)]
REPEAT = 5


def best(fn) -> float:
    times = []
    for _ in range(REPEAT):
        t0 = time.process_time()
        for f in FRAMES:
            fn(f)
        times.append(time.process_time() - t0)
    return min(times)


mb = len(FRAMES) * 1024 / 1e6
t_joule_x25 = best(lambda f: joule.crc16(f, "x25"))
t_hqx = best(lambda f: binascii.crc_hqx(f, 0xFFFF))
print(f"joule crc16 x25      {mb / t_joule_x25:8.1f} MB/s")
print(f"binascii.crc_hqx     {mb / t_hqx:8.1f} MB/s")
print(f"ratio=joule_x25/binascii_crc_hqx {t_hqx / t_joule_x25:.2f}")
try:
    from pymodbus.utilities import computeCRC
except ImportError:
    print("pymodbus not installed: Modbus CRC comparison skipped")
else:
    t_joule_mb = best(lambda f: joule.crc16(f, "modbus"))
    t_pym = best(computeCRC)
    print(f"joule crc16 modbus   {mb / t_joule_mb:8.1f} MB/s")
    print(f"pymodbus computeCRC  {mb / t_pym:8.1f} MB/s")
    print(f"ratio=joule_modbus/pymodbus_computeCRC {t_pym / t_joule_mb:.1f}")
