"""joule: an embeddable SDK for energy intelligence.

Modules: ``joule.meter`` (meter protocol decoders), ``joule.forecast``,
``joule.battery``, ``joule.market``, ``joule.carbon``. The core vocabulary
lives here: :class:`ObisCode`, :class:`TimeSeries`, CRC helpers, exact
decimals and the exception classes of :mod:`joule.errors`.

Example::

    >>> import joule, numpy as np
    >>> ts = joule.TimeSeries(1_700_000_000, 900, np.array([1.0, 2.0, 3.0, 4.0]))
    >>> ts.resample(3600).values
    array([2.5])
"""
from __future__ import annotations

import decimal as _decimal

from . import _joule
from ._joule import ObisCode, TimeSeries, align, crc16, crc16_verify, day_length_s, mbus_checksum, parse_unit, unit_symbol
from .errors import (
    AuthenticationError,
    BufferTooSmallError,
    ChecksumError,
    ConflictError,
    DecodeError,
    Error,
    IncompleteError,
    InfeasibleError,
    InternalError,
    InvalidArgumentError,
    LimitExceededError,
    NotFoundError,
    NumericalError,
    OutOfRangeError,
    RejectedError,
    UnsupportedError,
)
from .timeseries import from_pandas, to_pandas

__version__: str = _joule.__version__

__all__ = [
    "__version__",
    "ObisCode",
    "TimeSeries",
    "align",
    "crc16",
    "crc16_verify",
    "mbus_checksum",
    "parse_decimal",
    "format_decimal",
    "unit_symbol",
    "parse_unit",
    "day_length_s",
    "to_pandas",
    "from_pandas",
    "Error",
    "DecodeError",
    "ChecksumError",
    "AuthenticationError",
    "IncompleteError",
    "UnsupportedError",
    "InvalidArgumentError",
    "OutOfRangeError",
    "BufferTooSmallError",
    "InfeasibleError",
    "NotFoundError",
    "ConflictError",
    "LimitExceededError",
    "RejectedError",
    "NumericalError",
    "InternalError",
]


def parse_decimal(text: str) -> _decimal.Decimal:
    """Parses meter number text exactly ("001234.567" -> Decimal('1234.567')).

    Raises :class:`joule.DecodeError` on malformed text and
    :class:`joule.OutOfRangeError` beyond 18 significant digits.
    """
    mantissa, exponent = _joule._parse_decimal(text)
    sign = 1 if mantissa < 0 else 0
    digits = tuple(int(c) for c in str(abs(mantissa)))
    return _decimal.Decimal((sign, digits, exponent))


def format_decimal(value: _decimal.Decimal | int | str) -> str:
    """Plain decimal text of an exact value, digits kept as given (Decimal('1.500') -> '1.500')."""
    d = _decimal.Decimal(value)
    sign, digits, exponent = d.as_tuple()
    if not isinstance(exponent, int):
        raise InvalidArgumentError(f"not a finite decimal: {value!r}")
    mantissa = int("".join(map(str, digits)) or "0")
    return _joule._format_decimal(-mantissa if sign else mantissa, exponent)
