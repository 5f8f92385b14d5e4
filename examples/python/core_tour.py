"""A tour of joule's Python core: OBIS codes, exact decimals, CRCs, time series."""
import numpy as np

import joule

code = joule.ObisCode("1-0:1.8.0*255")
print("OBIS", code, "C =", code.c, "D =", code.d)

try:
    joule.ObisCode("1-0:1.8.0*")
except joule.DecodeError as e:  # also a ValueError
    print("malformed OBIS ->", e)

print("exact reading", joule.parse_decimal("001234.567"), "kWh")
print("Modbus CRC %04X" % joule.crc16(bytes.fromhex("01030000000A"), "modbus"))

load = joule.TimeSeries(1_699_999_200, 900, np.array([1.0, 2.0, 3.0, 4.0]))
print("hourly mean", load.resample(3600, "mean").values, "kW")
print(joule.to_pandas(load, tz="Europe/Amsterdam"))
