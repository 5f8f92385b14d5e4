"""Meter protocol decoders: bytes from a meter's customer port in, exact readings out.

Supported: DSMR P1 2.2-5.0.2 and Belgian e-MUCS (plain and encrypted with AES-128-GCM),
IEC 62056-21 (D0), and the protocols the build adds (SML, DLMS/COSEM, M-Bus, ...).
Every telegram is a dict in the test-data schema ``joule-meter-expected/1``::

    {"protocol": "dsmr-p1", "identifier": "ISk5\\\\2MT382-1000", "timestamp": "2017-01-02T19:20:02+01:00",
     "values": [{"id": "1-0:1.8.1", "value": 4.426, "unit": "kWh", "raw": ["000004.426*kWh"]}, ...]}

Example::

    >>> import joule.meter as jm
    >>> telegrams = jm.decode(open("telegram.txt", "rb").read())
    >>> telegrams[0]["values"][0]["id"]
    '1-3:0.2.8'
    >>> d = jm.Decoder("dsmr")                  # streaming, e.g. from a serial port
    >>> for chunk in chunks: for t in d.feed(chunk): print(t["timestamp"])
    >>> df = jm.to_dataframe(telegrams)          # one row per value
"""
from __future__ import annotations

import json as _json
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _joule
from .errors import DecodeError

_m = _joule.meter

Telegram = Dict[str, Any]
BytesLike = Union[bytes, bytearray, memoryview]

__all__ = ["decode", "decode_with_errors", "detect", "Decoder", "to_dataframe", "FrameError", "Telegram",
           "read_sunspec", "read_sunspec_image", "ModeCSession", "read_mode_c", "read_mode_c_raw", "program_mode_c", "apply_driver", "FormatCache"]


class FrameError(DecodeError):
    """A frame inside a stream failed (bad CRC/BCC, torn, wrong key). ``offset`` is its byte offset."""

    def __init__(self, offset: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message} (frame at byte {offset})")
        self.offset = offset
        self.code = code


def _key(key: Optional[Union[str, BytesLike]]) -> Optional[bytes]:
    if key is None:
        return None
    if isinstance(key, str):
        return bytes.fromhex(key.replace(" ", ""))
    return bytes(key)


def decode(
    data: BytesLike,
    protocol: str = "auto",
    key: Optional[Union[str, BytesLike]] = None,
    *,
    auth_key: Optional[Union[str, BytesLike]] = None,
    hex: bool = False,
    verify: bool = True,
    errors: str = "raise",
) -> List[Telegram]:
    """Decodes every frame in ``data`` and returns one dict per telegram.

    Args:
        data: raw bytes (a telegram, a file, a captured stream); hex text with ``hex=True``.
        protocol: ``"auto"`` (detect from the first bytes), ``"dsmr"``, ``"iec62056-21"``, ``"sml"``,
            ``"dlms"``, ``"mbus"``, ``"wmbus"`` or any schema name (``"dsmr-p1"``, ...).
        key: AES-128 key (16 bytes or 32 hex digits) for encrypted P1 / DLMS / wM-Bus.
        auth_key: DLMS authentication key (default: the published Smarty P1 key).
        hex: ``data`` is hex text (whitespace, ``_`` and ``|`` ignored).
        verify: check CRC/BCC (switch off only to read frames known to carry a wrong one).
        errors: ``"raise"`` (first failing frame raises, e.g. :class:`joule.ChecksumError`) or
            ``"skip"`` (failing frames are dropped; see :func:`decode_with_errors`).

    Raises:
        joule.ChecksumError, joule.AuthenticationError, joule.DecodeError, joule.UnsupportedError.
    """
    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    texts, _ = _m.decode(bytes(data), protocol, _key(key), _key(auth_key), hex, verify, errors == "skip")
    return [_json.loads(t) for t in texts]


FormatCache = _m.FormatCache


def apply_driver(
    data: Union[str, BytesLike],
    driver: str = "auto",
    key: Optional[Union[str, BytesLike]] = None,
    *,
    hex: bool = False,
    drivers: Optional[Iterable[Union[str, Dict[str, Any]]]] = None,
    formats: Optional["FormatCache"] = None,
) -> Dict[str, Any]:
    """Applies a meter driver to one wireless M-Bus telegram and returns its named fields.

    Args:
        data: one telegram (CRC-free form as USB receivers deliver it, or a wired long frame);
            hex text with ``hex=True``.
        driver: ``"auto"`` (match by manufacturer, version and medium), a built-in driver name
            (see :func:`driver_names`), or the path of a JSON driver file (``.json``).
        key: AES-128 key (16 bytes or 32 hex digits) for encrypted telegrams.
        hex: ``data`` is hex text.
        drivers: extra drivers (JSON text or dicts) added to the built-in set for this call.
        formats: a :class:`FormatCache` shared by the calls of one receiver: full frames seen
            are remembered in it, and compact frames (CI 0x79, OMS 4 7.2.4) of the same meters
            are read with their layout. Without it a compact frame raises UnsupportedError.

    Returns:
        ``{"driver": name, "id": "12345678", "manufacturer": "KAM", "version": 27, "medium": 22,
        "fields": {"total_m3": 6.408, "status": "OK", ...}}``. Numbers are in the unit the
        field name ends with (``_m3``, ``_kwh``, ``_c``); dates are ``"YYYY-MM-DD"`` text.

    Raises:
        joule.NotFoundError (no driver matches), joule.AuthenticationError (wrong key),
        joule.DecodeError, joule.UnsupportedError.
    """
    if hex:
        text = data if isinstance(data, str) else bytes(data).decode("ascii")
        raw = bytes.fromhex("".join(ch for ch in text if ch not in " \t\r\n_|"))
    else:
        raw = bytes(data)  # type: ignore[arg-type]
    extra = [d if isinstance(d, str) else _json.dumps(d) for d in (drivers or [])]
    return _json.loads(_m.apply_driver(raw, driver, _key(key), extra, formats))


def describe_records(data: BytesLike, key: Optional[Union[str, BytesLike]] = None) -> Dict[str, Any]:
    """Every record of one wM-Bus telegram with the selectors a driver uses (quantity, vif,
    vife, storage, tariff, subunit, function, value, raw bytes): the start for a new driver."""
    return _json.loads(_m.describe_records(bytes(data), _key(key)))


def driver_names() -> List[str]:
    """Names of the drivers compiled into joule."""
    return list(_m.driver_names())


def driver_json(name: str) -> Dict[str, Any]:
    """A built-in driver as a dict (raises KeyError when unknown)."""
    text = _m.driver_json(name)
    if not text:
        raise KeyError(name)
    return _json.loads(text)


def decode_with_errors(
    data: BytesLike, protocol: str = "auto", key: Optional[Union[str, BytesLike]] = None, **kw: Any
) -> "tuple[List[Telegram], List[FrameError]]":
    """Like :func:`decode` with ``errors="skip"``, also returning the frames that failed."""
    texts, errs = _m.decode(bytes(data), protocol, _key(key), _key(kw.get("auth_key")), kw.get("hex", False),
                            kw.get("verify", True), True)
    return [_json.loads(t) for t in texts], [FrameError(o, c, m) for (o, c, m) in errs]


def detect(data: BytesLike) -> str:
    """The protocol name guessed from the first bytes (``"unknown"`` when nothing matches)."""
    return _m.detect(bytes(data))[0]


class Decoder:
    """Streaming decoder for a serial port or socket: feed chunks of any size, get telegrams.

    Frames that fail (bad CRC, torn by a reconnect, wrong key) are skipped and kept in
    :attr:`errors`; decoding goes on with the next frame.

    Example::

        d = Decoder("dsmr")
        while True:
            for telegram in d.feed(port.read(256)):
                print(telegram["values"])
    """

    def __init__(self, protocol: str = "auto", key: Optional[Union[str, BytesLike]] = None, *,
                 auth_key: Optional[Union[str, BytesLike]] = None, verify: bool = True) -> None:
        self._d = _m.StreamDecoder(protocol, _key(key), _key(auth_key), verify)
        self.errors: List[FrameError] = []

    @property
    def protocol(self) -> str:
        """The protocol in use (``"unknown"`` until detected)."""
        return self._d.protocol

    def feed(self, data: BytesLike) -> List[Telegram]:
        """Feeds bytes; returns the telegrams they complete (possibly none)."""
        texts, errs = self._d.feed(bytes(data))
        self.errors.extend(FrameError(o, c, m) for (o, c, m) in errs)
        return [_json.loads(t) for t in texts]

    def finish(self) -> List[Telegram]:
        """End of stream: returns a last telegram that had no terminator, if any."""
        texts, errs = self._d.finish()
        self.errors.extend(FrameError(o, c, m) for (o, c, m) in errs)
        return [_json.loads(t) for t in texts]


def _timestamp(text: Optional[str]) -> "Any":
    """A pandas Timestamp of ISO text; NaT when absent or not a real date (meters send 632525252525W)."""
    import pandas as pd

    if not text:
        return pd.NaT
    try:
        return pd.Timestamp(text)
    except (ValueError, OverflowError):
        return pd.NaT


def to_dataframe(telegrams: Iterable[Telegram]) -> "Any":
    """One row per value: ``telegram`` (index in the input), ``protocol``, ``meter``, ``time``
    (the telegram's timestamp as a tz-aware pandas Timestamp when it has one), ``id``, ``value``
    (float for numbers, NaN otherwise), ``text`` (text values), ``unit``, ``capture_time``,
    and ``storage``/``tariff``/``subunit`` where the protocol has them."""
    import pandas as pd

    rows = []
    for i, t in enumerate(telegrams):
        ts = t.get("timestamp")
        for v in t.get("values", []):
            val = v.get("value")
            num = isinstance(val, (int, float)) and not isinstance(val, bool)
            rows.append({
                "telegram": i,
                "protocol": t.get("protocol"),
                "meter": t.get("identifier"),
                "time": _timestamp(ts),
                "id": v["id"],
                "value": float(val) if num else float("nan"),
                "text": None if num else (val if isinstance(val, str) else None),
                "unit": v.get("unit"),
                "capture_time": _timestamp(v.get("timestamp")),
                "storage": v.get("storage"),
                "tariff": v.get("tariff"),
                "subunit": v.get("subunit"),
            })
    return pd.DataFrame(rows, columns=["telegram", "protocol", "meter", "time", "id", "value", "text", "unit",
                                       "capture_time", "storage", "tariff", "subunit"])


def read_sunspec_image(host: str, port: int = 502, unit: int = 1, timeout_ms: int = 3000) -> "tuple[int, bytes]":
    """Reads a SunSpec device over Modbus TCP with joule's client.

    Finds the ``SunS`` marker at register 40000, 50000 or 0 and reads every model up to the
    end marker (FC 3, at most 125 registers per request).

    Returns:
        ``(base_address, image)``: the marker's register address and the register bytes
        (big-endian) from the marker to the end model, as ``decode(image, "sunspec")`` takes them.

    Raises:
        joule.IOError_ (connection, timeout), joule.NotFoundError (no marker), joule.RejectedError.
    """
    base, image = _m.read_sunspec_image(host, int(port), int(unit), int(timeout_ms))
    return base, bytes(image)


def read_sunspec(host: str, port: int = 502, unit: int = 1, timeout_ms: int = 3000) -> List[Telegram]:
    """Discovers and decodes a SunSpec device over Modbus TCP.

    Returns one telegram dict per model (``identifier`` = model name, e.g. ``"inverter_three_phase"``);
    each value's ``id`` is ``"<model>.<point>"`` (``"inverter_three_phase.W"``,
    ``"mppt.module[1].DCA"``) with the scale factor applied; not-implemented points are left out.

    Example:
        >>> for t in joule.meter.read_sunspec("192.168.1.20", 502, 1):
        ...     print(t["identifier"], len(t["values"]))
    """
    _, image = read_sunspec_image(host, port, unit, timeout_ms)
    return decode(image, "sunspec")


class ModeCSession:
    """The IEC 62056-21 mode C handshake as a sans-IO state machine (§6.4.3; mode B, A and E too).

    The session never touches a port: each call returns the next *step*, a dict with
    ``action`` (``"send"``, ``"set_baud"``, ``"receive"``, ``"done"``, ``"failed"``, ``"ready"``),
    ``bytes`` (to write for ``"send"``), ``baud`` (for ``"set_baud"``, 7E1), ``timeout_ms``
    (for ``"receive"``) and ``error``/``message`` (for ``"failed"``: an error code name such as
    ``"checksum_mismatch"`` or ``"incomplete"``).

    Example:
        >>> s = joule.meter.ModeCSession(max_baud=9600)
        >>> step = s.start()
        >>> while step["action"] not in ("done", "failed"):
        ...     if step["action"] == "send":
        ...         uart.write(step["bytes"]); step = s.on_sent()
        ...     elif step["action"] == "set_baud":
        ...         uart.baudrate = step["baud"]; step = s.on_baud_set()
        ...     else:
        ...         data = uart.read(timeout=step["timeout_ms"] / 1000)
        ...         step = s.on_received(data) if data else s.on_timeout()
        >>> joule.meter.decode(s.readout, "iec62056-21")
    """

    def __init__(self, address: str = "", max_baud: int = 19200, mode: str = "readout",
                 hdlc_if_offered: bool = False, rx_capacity: int = 16384) -> None:
        """Creates a session.

        Args:
            address: device address for ``/?address!`` (at most 32 characters); ``""`` = any meter.
            max_baud: never switch above this rate [bit/s].
            mode: ``"readout"`` (data readout) or ``"programming"`` (password, R1/W1 commands).
            hdlc_if_offered: mode E: select HDLC when the identification offers it.
            rx_capacity: receive buffer [bytes], bounds the readout.
        """
        self._s = _m.ModeCSession(address, int(max_baud), mode, bool(hdlc_if_offered), int(rx_capacity))

    def start(self) -> Dict[str, Any]:
        """Begins (or restarts) the session: set 300 baud, then send the request message."""
        return self._s.start()

    def on_sent(self) -> Dict[str, Any]:
        """The bytes of the last ``"send"`` step have been written."""
        return self._s.on_sent()

    def on_baud_set(self) -> Dict[str, Any]:
        """The line now runs at the rate of the last ``"set_baud"`` step."""
        return self._s.on_baud_set()

    def on_received(self, data: BytesLike) -> Dict[str, Any]:
        """Bytes read from the line (any chunking)."""
        return self._s.on_received(bytes(data))

    def on_timeout(self) -> Dict[str, Any]:
        """The receive timed out (``"failed"`` with ``"incomplete"`` unless a readout without ETX is complete)."""
        return self._s.on_timeout()

    def command(self, command: str, data: str = "") -> Dict[str, Any]:
        """Programming mode (after ``"ready"``): sends ``P1 P2 W1 W2 R1 R2`` with ``data`` or ``B0`` (break)."""
        return self._s.command(command, data)

    @property
    def readout(self) -> bytes:
        """Identification + data message after ``"done"`` (``decode(readout, "iec62056-21")``)."""
        return self._s.readout

    @property
    def identification(self) -> str:
        """The identification line without ``/`` and CR LF, e.g. ``"ISk5MT174-0001"``."""
        return self._s.identification

    @property
    def data_baud(self) -> int:
        """Baud rate agreed for the data message [bit/s]."""
        return self._s.data_baud

    @property
    def hdlc_mode(self) -> bool:
        """Mode E was selected: the line speaks HDLC (IEC 62056-46) at :attr:`data_baud`."""
        return self._s.hdlc_mode

    @property
    def reply(self) -> str:
        """Programming mode: the data of the last answer, e.g. ``"(000285.4*kWh)"``."""
        return self._s.reply

    @property
    def reply_kind(self) -> str:
        """Programming mode: ``"ack"``, ``"nak"``, ``"data"``, ``"operand"`` or ``"none"``."""
        return self._s.reply_kind


def read_mode_c_raw(port: str, address: str = "", max_baud: int = 19200,
                    rx_capacity: int = 16384, parity: str = "hardware") -> "tuple[str, int, bytes]":
    """Runs a mode C readout over a serial device (POSIX termios, 7E1) with joule's driver.

    ``parity="hardware"`` lets the UART make and check the even parity (7E1);
    ``"software"`` runs the line 8N1 with the parity in bit 7, added and checked by
    joule (USB adapters without 7-bit support, ser2net/ESP-link TCP bridges): a
    character with a wrong parity raises ``joule.ChecksumError``.

    Returns:
        ``(identification, data_baud, readout)``; ``readout`` is identification + data message.

    Raises:
        joule.errors.IOError_ (port), joule.ChecksumError (BCC), joule.IncompleteError (the meter
        went silent for 1.5 s), joule.DecodeError (malformed).
    """
    ident, baud, raw = _m.read_mode_c(port, address, int(max_baud), int(rx_capacity), parity)
    return ident, baud, bytes(raw)


def program_mode_c(port: str, commands: "Sequence[tuple[str, str]]" = (), password: Optional[str] = None,
                   reads: Sequence[str] = (), address: str = "", max_baud: int = 19200,
                   parity: str = "hardware") -> Dict[str, Any]:
    """Runs an IEC 62056-21 programming-mode session over a serial device (§6.3.5-§6.3.7).

    Args:
        port: the serial device (optical head, USB adapter, pseudo-terminal).
        commands: ``(name, data)`` pairs sent in order, e.g. ``("W1", "0.9.1(120000)")``;
            names P1 P2 W1 W2 R1 R2 (B0 is sent at the end by the driver).
        password: shorthand for a first ``("P1", "(password)")``.
        reads: shorthand for ``("R1", "address()")`` per data-set address, after ``commands``.
        address: device address of the request ``/?address!`` (empty: any meter).
        max_baud: never switch above this rate [bit/s].
        parity: ``"hardware"`` (the UART's 7E1) or ``"software"`` (see :func:`read_mode_c_raw`).

    Returns:
        ``{"identification", "data_baud", "operand" (the meter's P0 operand), "replies": [(name,
        data, kind, answer)]}`` with ``kind`` ``"ack"``, ``"nak"`` (after three tries) or
        ``"data"`` and ``answer`` the data message, e.g. ``"(0001234.5*kWh)"`` or ``"(ER01)"``.

    Raises:
        joule.InvalidArgumentError (a command name or data), joule.ChecksumError (BCC, parity),
        joule.IncompleteError (the meter went silent), joule.errors.IOError_ (port).

    Example:
        >>> r = joule.meter.program_mode_c("/dev/ttyUSB0", password="00000000", reads=["1.8.0"])
        >>> r["replies"][1][3]
        '(0001234.5*kWh)'
    """
    cmds = ([("P1", f"({password})")] if password is not None else []) + [tuple(c) for c in commands]
    cmds += [("R1", f"{a}()") for a in reads]
    return dict(_m.program_mode_c(port, cmds, address, int(max_baud), parity))


def read_mode_c(port: str, address: str = "", max_baud: int = 19200, parity: str = "hardware") -> Telegram:
    """Reads a meter over an optical head (IEC 62056-21 mode C) and decodes the readout.

    Example:
        >>> t = joule.meter.read_mode_c("/dev/ttyUSB0", max_baud=9600)
        >>> [(v["id"], v["value"], v.get("unit")) for v in t["values"]]

    Returns:
        The telegram dict (``protocol`` ``"iec62056-21"``, ``identifier``, ``values``), plus
        ``"baud"``: the data message's rate [bit/s]. ``parity``: ``"hardware"`` (the UART's
        7E1) or ``"software"`` (8N1 link, parity in bit 7 checked by joule), see
        :func:`read_mode_c_raw`.
    """
    _, baud, raw = read_mode_c_raw(port, address, max_baud, parity=parity)
    t = decode(raw, "iec62056-21")[0]
    t["baud"] = baud
    return t
