"""pandas conversions of :class:`joule.TimeSeries`."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._joule import TimeSeries
from .errors import InvalidArgumentError


def to_pandas(ts: TimeSeries, tz: str | None = "UTC") -> Any:
    """A pandas Series over a DatetimeIndex (interval starts), values shared without a copy."""
    import pandas as pd

    index = pd.date_range(pd.Timestamp(ts.start, unit="s", tz="UTC"), periods=len(ts), freq=pd.Timedelta(seconds=ts.step))
    if tz is not None and tz != "UTC":
        index = index.tz_convert(tz)
    return pd.Series(ts.values, index=index, copy=False)


def from_pandas(series: Any) -> TimeSeries:
    """A TimeSeries from a pandas Series on a regular DatetimeIndex (naive = UTC).

    Raises :class:`joule.InvalidArgumentError` when the index is not regular.
    """
    import pandas as pd

    idx = series.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise InvalidArgumentError("series needs a DatetimeIndex", ("field", "index"))
    if len(idx) < 2:
        raise InvalidArgumentError("need at least two timestamps to know the step", ("field", "index"))
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    ns = idx.asi8
    steps = np.diff(ns)
    if not np.all(steps == steps[0]) or steps[0] <= 0 or steps[0] % 1_000_000_000:
        raise InvalidArgumentError("index is not regular in whole seconds", ("field", "index"))
    if ns[0] % 1_000_000_000:
        raise InvalidArgumentError("index does not start on a whole second", ("field", "index"))
    values = np.ascontiguousarray(series.to_numpy(dtype=np.float64))
    return TimeSeries(int(ns[0] // 1_000_000_000), int(steps[0] // 1_000_000_000), values)
