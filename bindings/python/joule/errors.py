"""Exception classes of joule, one per error code of the C++ core.

Every joule error is a :class:`joule.Error` with ``code`` (the name of the
``joule::Errc`` value), ``status`` (its number, as in the C API) and
``where`` (``("byte", offset)``, ``("field", name)``, ``("index", i, array)``
or ``None``). Input problems are also :class:`ValueError`, state and
resource problems :class:`RuntimeError`.
"""
from __future__ import annotations

from typing import NoReturn, Optional, Tuple, Union

Where = Optional[Union[Tuple[str, int], Tuple[str, str], Tuple[str, int, str]]]


class Error(Exception):
    """Base class of every joule error."""

    code: str = "internal"
    status: int = 14
    where: Where = None

    def __init__(self, message: str, where: Where = None) -> None:
        super().__init__(message)
        self.where = where


class DecodeError(Error, ValueError):
    """Input bytes or text do not follow the format (malformed)."""

    code, status = "malformed", 3


class ChecksumError(DecodeError):
    """CRC, BCC or checksum mismatch."""

    code, status = "checksum_mismatch", 4


class AuthenticationError(DecodeError):
    """Wrong key or tampered frame (AES-GCM tag, 0x2F2F check)."""

    code, status = "authentication_failed", 5


class IncompleteError(DecodeError):
    """More input is needed, or the input ended early."""

    code, status = "incomplete", 7


class UnsupportedError(Error, ValueError):
    """Valid input that joule does not handle."""

    code, status = "unsupported", 8


class InvalidArgumentError(Error, ValueError):
    """A parameter or field is outside its domain."""

    code, status = "invalid_argument", 1


class OutOfRangeError(Error, ValueError):
    """A value does not fit its type or range."""

    code, status = "out_of_range", 2


class BufferTooSmallError(Error, RuntimeError):
    """An output buffer or fixed capacity is too small."""

    code, status = "buffer_too_small", 6


class InfeasibleError(Error, RuntimeError):
    """An optimisation problem has no feasible solution (the message says why)."""

    code, status = "infeasible", 9


class NotFoundError(Error, LookupError):
    """A named item does not exist."""

    code, status = "not_found", 10


class ConflictError(Error, RuntimeError):
    """The operation contradicts existing state (double counting, duplicate id)."""

    code, status = "conflict", 11


class LimitExceededError(Error, RuntimeError):
    """A capacity, risk or rate limit would be exceeded."""

    code, status = "limit_exceeded", 12


class IOError_(Error, OSError):
    """Reading or writing a file or socket failed."""

    code, status = "io_error", 13


class InternalError(Error, RuntimeError):
    """A bug in joule: please report it."""

    code, status = "internal", 14


class RejectedError(Error, RuntimeError):
    """A business rule refused the request."""

    code, status = "rejected", 15


class NumericalError(Error, RuntimeError):
    """A numerical method failed (singular matrix, no convergence)."""

    code, status = "numerical", 16


_BY_STATUS = {
    cls.status: cls
    for cls in (
        InvalidArgumentError,
        OutOfRangeError,
        DecodeError,
        ChecksumError,
        AuthenticationError,
        BufferTooSmallError,
        IncompleteError,
        UnsupportedError,
        InfeasibleError,
        NotFoundError,
        ConflictError,
        LimitExceededError,
        IOError_,
        InternalError,
        RejectedError,
        NumericalError,
    )
}


def _describe(message: str, where: Where) -> str:
    if where is None:
        return message
    if where[0] == "byte":
        return f"{message} (at byte {where[1]})"
    if where[0] == "field":
        return f"{message} (field '{where[1]}')"
    if len(where) > 2 and where[2]:
        return f"{message} (at index {where[1]} of '{where[2]}')"
    return f"{message} (at index {where[1]})"


def _raise(status: int, name: str, message: str, where: Where) -> NoReturn:
    """Called by the extension module to raise the class of a joule::Errc."""
    cls = _BY_STATUS.get(status, InternalError)
    raise cls(_describe(message, where), where)
