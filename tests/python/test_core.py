"""The core vocabulary from Python: errors, OBIS, decimals, CRCs, time series."""
import ast
import decimal
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import joule


def test_version_matches_version_file():
    root = Path(__file__).resolve().parents[2]
    assert joule.__version__ == (root / "VERSION").read_text().strip()


def test_obis_parse_format_and_errors():
    c = joule.ObisCode("1-0:1.8.0*255")
    assert (c.a, c.b, c.c, c.d, c.e, c.f) == (1, 0, 1, 8, 0, 255)
    assert str(c) == "1-0:1.8.0"
    assert c.format("full") == "1-0:1.8.0*255"
    assert joule.ObisCode("F.F").format("as_parsed") == "F.F"
    assert c == joule.ObisCode(1, 0, 1, 8, 0)
    assert len({c, joule.ObisCode(1, 0, 1, 8, 0)}) == 1
    assert joule.ObisCode.from_bytes(bytes([1, 0, 16, 7, 0, 255])) == joule.ObisCode("1-0:16.7.0")
    with pytest.raises(joule.DecodeError) as e:
        joule.ObisCode("1-0:1.8.0*")
    assert isinstance(e.value, ValueError)
    assert e.value.code == "malformed"
    assert e.value.where[0] == "byte"
    with pytest.raises(joule.OutOfRangeError):
        joule.ObisCode(1, 0, 1, 8, 0, 256)
    with pytest.raises(joule.InvalidArgumentError):
        c.format("fancy")


def test_decimal_is_exact():
    assert joule.parse_decimal("001234.567") == decimal.Decimal("1234.567")
    assert str(joule.parse_decimal("1.500")) == "1.500"
    assert joule.format_decimal(decimal.Decimal("-0.05")) == "-0.05"
    with pytest.raises(joule.DecodeError):
        joule.parse_decimal("12,5")
    with pytest.raises(joule.OutOfRangeError):
        joule.parse_decimal("1234567890123456789")


def test_crc_check_values_and_bad_lengths():
    check = b"123456789"
    assert joule.crc16(check, "arc") == 0xBB3D
    assert joule.crc16(check, "x25") == 0x906E
    assert joule.crc16(check, "modbus") == 0x4B37
    assert joule.crc16(check, "en13757") == 0xC2B7
    assert joule.mbus_checksum(check) == 0xDD
    frame = bytes.fromhex("01030000000AC5CD")
    joule.crc16_verify(frame, "modbus")
    with pytest.raises(joule.ChecksumError):
        joule.crc16_verify(frame[:-1] + b"\x00", "modbus")
    with pytest.raises(joule.IncompleteError):
        joule.crc16_verify(b"\x01\x02", "modbus")
    with pytest.raises(joule.InvalidArgumentError):
        joule.crc16(check, "crc32")


def test_timeseries_numpy_views_without_copy():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    ts = joule.TimeSeries(3600, 900, values)
    view = ts.values
    assert np.shares_memory(view, values)  # numpy in: no copy; out: a view
    assert not view.flags.writeable
    del values
    assert list(ts.values) == [1.0, 2.0, 3.0, 4.0]  # the series keeps its memory alive
    hourly = ts.resample(3600, "mean")
    assert hourly.start == 3600 and list(hourly.values) == [2.5]
    assert list(hourly.resample(1800, "sum").values) == [1.25, 1.25]


def test_timeseries_bad_input():
    with pytest.raises(joule.InvalidArgumentError):
        joule.TimeSeries(0, 0, np.ones(3))
    with pytest.raises(joule.InvalidArgumentError):
        joule.TimeSeries(0, 60, np.ones((2, 2)))
    ts = joule.TimeSeries(0, 60, np.array([1.0, np.nan, 3.0]))
    assert ts.nan_count() == 1
    with pytest.raises(joule.InvalidArgumentError) as e:
        ts.check_finite()
    assert e.value.where == ("index", 1, "values")
    with pytest.raises(joule.InvalidArgumentError):
        joule.align(joule.TimeSeries(0, 900, np.ones(4)), joule.TimeSeries(0, 1800, np.ones(4)))
    with pytest.raises(joule.InvalidArgumentError):
        joule.align(joule.TimeSeries(0, 900, np.ones(4)), joule.TimeSeries(100, 900, np.ones(4)))
    with pytest.raises(joule.InvalidArgumentError):
        ts.resample(3600, "median")


def test_timeseries_pandas_round_trip_and_dst():
    ts = joule.TimeSeries(1_711_839_600, 1800, np.arange(46.0))  # 2024-03-31 00:00 CET, 23 h day
    s = joule.to_pandas(ts, tz="Europe/Amsterdam")
    assert s.index[0] == pd.Timestamp("2024-03-31 00:00", tz="Europe/Amsterdam")
    assert s.index[-1] == pd.Timestamp("2024-03-31 23:30", tz="Europe/Amsterdam")
    back = joule.from_pandas(s)
    assert back.start == ts.start and back.step == 1800 and np.array_equal(back.values, ts.values)
    assert joule.day_length_s("Europe/Amsterdam", 2024, 3, 31) == 23 * 3600
    assert joule.day_length_s("Europe/Amsterdam", 2024, 10, 27) == 25 * 3600
    with pytest.raises(joule.NotFoundError):
        joule.day_length_s("Mars/Olympus", 2024, 1, 1)
    irregular = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:15", "2024-01-01 00:45"]))
    with pytest.raises(joule.InvalidArgumentError):
        joule.from_pandas(irregular)


def test_units():
    assert joule.unit_symbol(30) == "Wh"
    assert joule.parse_unit("kWh") == (30, 3)
    with pytest.raises(joule.NotFoundError):
        joule.parse_unit("furlong")


def test_docstrings_everywhere():
    for name in joule.__all__:
        obj = getattr(joule, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"


def test_stubs_cover_the_extension():
    stub = Path(joule.__file__).with_name("_joule") / "__init__.pyi"
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    public = {n for n in dir(joule._joule) if not n.startswith("__") and not isinstance(getattr(joule._joule, n), type(joule))}
    missing = public - declared
    assert not missing, f"_joule.pyi lacks {sorted(missing)}"


def test_cli_version_and_obis(cli):
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert joule.__version__ in out
    bad = subprocess.run([cli, "obis", "1-0:1.8.0*"], capture_output=True, text=True)
    assert bad.returncode == 1 and "malformed" in bad.stderr
