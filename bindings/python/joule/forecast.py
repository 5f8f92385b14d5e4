"""Probabilistic forecasting, anomaly detection and backtesting (``joule.forecast``).

Takes pandas Series (regular DatetimeIndex; naive timestamps are UTC) and
returns pandas DataFrames: a ``mean`` column and one column per quantile
level (``"q0.1"``, ``"q0.9"``). The compiled work releases the GIL, so
threads and Dask workers forecast in parallel.

Example::

    >>> import joule.forecast as jf
    >>> fc = jf.forecast(load, horizon=48, quantiles=(0.1, 0.5, 0.9))   # doctest: +SKIP
    >>> fc[["mean", "q0.1", "q0.9"]].head()                             # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ._joule import forecast as _fc
from .errors import InvalidArgumentError

__all__ = [
    "forecast",
    "forecast_arrays",
    "forecast_batch",
    "forecast_price",
    "detect_anomalies",
    "backtest",
    "mape",
    "mase",
    "pinball",
    "coverage",
    "winkler",
    "stl",
    "mstl",
    "fit_garch11",
    "garch11_log_likelihood",
    "aggregate_readings",
    "calendar_features",
    "fourier_features",
    "lag_features",
    "rolling_features",
    "gefcom_features",
    "easter_sunday",
    "MODELS",
]

#: Model names accepted by ``model=``.
MODELS = ("auto", "snaive", "ets", "dshw", "mstl", "ridge", "qreg")


def _grid(series: Any) -> tuple[int, int, np.ndarray, Any]:
    """(start_s, step_s, values, tz) of a pandas Series on a regular DatetimeIndex."""
    import pandas as pd

    idx = series.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise InvalidArgumentError("series needs a DatetimeIndex", ("field", "index"))
    if len(idx) < 2:
        raise InvalidArgumentError("need at least two timestamps to know the step", ("field", "index"))
    tz = idx.tz
    if tz is None:
        idx = idx.tz_localize("UTC")
    ns = idx.asi8
    steps = np.diff(ns)
    if not np.all(steps == steps[0]) or steps[0] <= 0 or steps[0] % 1_000_000_000:
        raise InvalidArgumentError("index is not regular in whole seconds (reindex first; NaN marks gaps)",
                                   ("field", "index"))
    values = np.ascontiguousarray(series.to_numpy(dtype=np.float64))
    return int(ns[0] // 1_000_000_000), int(steps[0] // 1_000_000_000), values, tz


def _index(start_s: int, step_s: int, n: int, tz: Any) -> Any:
    import pandas as pd

    idx = pd.date_range(pd.Timestamp(start_s, unit="s", tz="UTC"), periods=n, freq=pd.Timedelta(seconds=step_s))
    if tz is None:
        return idx.tz_localize(None)
    return idx.tz_convert(tz)


def _qname(level: float) -> str:
    return f"q{level:g}"


def _frame(out: tuple, tz: Any) -> Any:
    import pandas as pd

    start, step, mean, levels, q, desc = out
    df = pd.DataFrame({"mean": mean}, index=_index(start, step, len(mean), tz))
    for j, lv in enumerate(levels):
        df[_qname(float(lv))] = q[j]
    df.attrs["model"] = desc
    return df


def _matrix(x: Any) -> np.ndarray | None:
    if x is None:
        return None
    a = np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    return np.ascontiguousarray(a)


def forecast(series: Any, horizon: int, quantiles: Iterable[float] = (0.1, 0.5, 0.9), model: str = "auto",
             periods: Sequence[int] = (), non_negative: bool = False, calibration_origins: int = 12,
             remainder: str = "combined", intervals: str = "auto", regressors: Any = None,
             future_regressors: Any = None) -> Any:
    """Fits ``model`` on a pandas Series and forecasts ``horizon`` steps.

    Args:
        series: values on a regular DatetimeIndex (NaN gaps up to one period are interpolated).
        horizon: number of steps to forecast.
        quantiles: levels in (0, 1); one output column ``"q<level>"`` each.
        model: one of :data:`MODELS` ("auto" chooses by rolling-origin cross-validation), or
            ``"ets(FORM)"`` with FORM as R's ``ets(model=)``: error A|M|Z, trend N|A|Ad|Z, season
            N|A|M|Z (Z: chosen by AICc), e.g. ``"ets(M,Ad,M)"`` or ``"ets(ZZZ)"``; seasonality uses
            ``periods[0]``.
        periods: seasonal periods in steps, ascending (default: one day and one week).
        non_negative: clip mean and quantiles at zero (PV, load).
        calibration_origins: rolling origins used for conformal intervals and the automatic choice.
        remainder: mstl remainder model ("naive", "ar", "ets", "combined").
        intervals: "auto", "analytic" or "conformal".
        regressors: DataFrame/array aligned with ``series`` (ridge / qreg only).
        future_regressors: the same columns for the ``horizon`` steps.

    Returns:
        DataFrame indexed by the forecast intervals' start times with ``mean`` and quantile columns;
        ``df.attrs["model"]`` names the fitted model.
    """
    start, step, values, tz = _grid(series)
    out = _fc.fit_predict(values, start, step, int(horizon), [float(q) for q in quantiles], model, list(periods),
                          bool(non_negative), int(calibration_origins), remainder, intervals, _matrix(regressors),
                          _matrix(future_regressors))
    return _frame(out, tz)


def forecast_arrays(values: np.ndarray, start_s: int, step_s: int, horizon: int,
                    quantiles: Iterable[float] = (0.1, 0.5, 0.9), model: str = "auto",
                    **kwargs: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """numpy form of :func:`forecast`: returns (mean[horizon], quantiles[levels, horizon], model name)."""
    out = _fc.fit_predict(np.ascontiguousarray(values, dtype=np.float64), int(start_s), int(step_s), int(horizon),
                          [float(q) for q in quantiles], model, list(kwargs.get("periods", ())),
                          bool(kwargs.get("non_negative", False)), int(kwargs.get("calibration_origins", 12)),
                          kwargs.get("remainder", "combined"), kwargs.get("intervals", "auto"))
    return out[2], out[4], out[5]


def forecast_batch(values: np.ndarray, start_s: int, step_s: int, horizon: int,
                   quantiles: Iterable[float] = (0.1, 0.5, 0.9), model: str = "auto", periods: Sequence[int] = (),
                   non_negative: bool = False, calibration_origins: int = 12, threads: int = 1,
                   remainder: str = "combined", intervals: str = "auto") -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Forecasts every row of a (series x steps) matrix on one time grid.

    Returns (mean[series, horizon], quantiles[series, levels (ascending), horizon], failed row indices);
    failed rows hold NaN. ``threads`` worker threads run without the GIL. For large fleets,
    ``model="mstl", remainder="ar", intervals="analytic"`` needs one decomposition per series.
    """
    a = np.ascontiguousarray(values, dtype=np.float64)
    return _fc.batch(a, int(start_s), int(step_s), int(horizon), sorted(float(q) for q in quantiles), model,
                     list(periods), bool(non_negative), int(calibration_origins), int(threads), remainder, intervals)


def forecast_price(prices: Any, horizon: int, quantiles: Iterable[float] = (0.05, 0.5, 0.95), period: int = 24,
                   regressors: Any = None, future_regressors: Any = None, garch: bool = False) -> Any:
    """Day-ahead price forecast (robust regression; negative prices and spikes allowed; no log transform).

    Quantiles are the empirical residual quantiles of each hour of day. With ``garch=True`` a GARCH(1,1)
    is fitted by maximum likelihood to the model's residuals and each quantile's offset from the hour's
    median is scaled by sqrt(sigma2[n+h] / mean in-sample sigma2), so intervals widen after volatile
    hours and narrow after calm ones. The fit is in ``df.attrs["garch"]`` (mu, omega, alpha, beta,
    log_likelihood, last_residual, sigma2, residuals, mean_sigma2, variance_forecast).
    """
    start, step, values, tz = _grid(prices)
    out, vol = _fc.price_forecast(values, start, step, int(horizon), [float(q) for q in quantiles], int(period),
                                  _matrix(regressors), _matrix(future_regressors), bool(garch))
    df = _frame(out, tz)
    if vol is not None:
        df.attrs["garch"] = vol
    return df


def detect_anomalies(series: Any, period: int = 0, z_threshold: float = 6.0, seasonal_esd: bool = True,
                     esd_alpha: float = 0.05, esd_max_fraction: float = 0.005, stuck_min_run: int = 6,
                     zero_rule: bool = True, cumulative: bool = False, level_window: int = 0,
                     level_threshold: float = 4.0) -> Any:
    """Anomalies of a meter series: DataFrame with columns time, index, score, kind.

    Meter rules (zero, stuck, counter reset, missing) run first; then robust z on the seasonal residual,
    seasonal-hybrid ESD and level shifts.
    """
    import pandas as pd

    start, step, values, tz = _grid(series)
    rows = _fc.detect_anomalies(values, start, step, int(period), float(z_threshold), bool(seasonal_esd),
                                float(esd_alpha), float(esd_max_fraction), int(stuck_min_run), bool(zero_rule),
                                bool(cumulative), int(level_window), float(level_threshold))
    df = pd.DataFrame(rows, columns=["index", "time_s", "score", "kind"])
    t = pd.to_datetime(df["time_s"], unit="s", utc=True)
    df.insert(0, "time", t.dt.tz_convert(tz) if tz is not None else t.dt.tz_localize(None))
    return df.drop(columns=["time_s"])


def backtest(series: Any, initial: int, horizon: int, stride: int, model: str = "auto", periods: Sequence[int] = (),
             max_origins: int = 0, quantiles: Iterable[float] = (0.025, 0.1, 0.9, 0.975)) -> dict:
    """Rolling-origin (expanding window) backtest: MAPE, MASE, pinball per level, interval coverage and Winkler."""
    start, step, values, _ = _grid(series)
    return _fc.backtest(values, start, step, model, list(periods), int(initial), int(horizon), int(stride),
                        int(max_origins), [float(q) for q in quantiles])


def mape(actual: Any, forecast: Any) -> float:
    """Mean absolute percentage error [%]."""
    return _fc.mape(np.asarray(actual, float), np.asarray(forecast, float))


def mase(actual: Any, forecast: Any, insample: Any, period: int) -> float:
    """Mean absolute scaled error (scale: in-sample seasonal naive MAE with ``period``)."""
    return _fc.mase(np.asarray(actual, float), np.asarray(forecast, float), np.asarray(insample, float), int(period))


def pinball(actual: Any, quantile: Any, tau: float) -> float:
    """Mean pinball (quantile) loss at level ``tau``."""
    return _fc.pinball(np.asarray(actual, float), np.asarray(quantile, float), float(tau))


def coverage(actual: Any, lo: Any, hi: Any) -> float:
    """Share of actual values within [lo, hi] [%]."""
    return _fc.coverage(np.asarray(actual, float), np.asarray(lo, float), np.asarray(hi, float))


def winkler(actual: Any, lo: Any, hi: Any, alpha: float) -> float:
    """Mean Winkler score of the central (1 - alpha) interval."""
    return _fc.winkler(np.asarray(actual, float), np.asarray(lo, float), np.asarray(hi, float), float(alpha))


def stl(y: Any, period: int, s_window: int, t_window: int = 0, inner: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """STL decomposition (R stats::stl algorithm, robust=FALSE): (seasonal, trend, remainder)."""
    return _fc.stl(np.asarray(y, float), int(period), int(s_window), int(t_window), int(inner))


def mstl(y: Any, periods: Sequence[int], iterate: int = 2) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """MSTL decomposition (as R forecast::mstl): (seasonal components, trend, remainder)."""
    return _fc.mstl(np.asarray(y, float), [int(p) for p in periods], int(iterate))


def fit_garch11(returns: Any) -> dict:
    """GARCH(1,1) by Gaussian maximum likelihood: mu, omega, alpha, beta, log_likelihood, sigma2, variance_forecast."""
    return _fc.fit_garch11(np.asarray(returns, float))


def garch11_log_likelihood(returns: Any, mu: float, omega: float, alpha: float, beta: float) -> float:
    """Gaussian log-likelihood of GARCH(1,1) parameters (sigma_1^2 = sample variance around mu)."""
    return _fc.garch11_log_likelihood(np.asarray(returns, float), mu, omega, alpha, beta)


def aggregate_readings(times: Any, values: Any, step_s: int = 900, cumulative: bool = True,
                       max_interpolation_s: int = 86400, time_zone: str = "") -> tuple[Any, dict]:
    """Meter readings -> regular pandas Series (amount per interval, NaN gaps) and a repair report.

    ``times`` are UTC seconds or datetimes; cumulative registers are differenced (a decrease is a counter reset).
    """
    import pandas as pd

    t = pd.to_datetime(times, utc=True) if not np.issubdtype(np.asarray(times).dtype, np.number) else None
    secs = (t.asi8 // 1_000_000_000).tolist() if t is not None else [int(x) for x in times]
    start, step, vals, rep = _fc.aggregate_readings(secs, np.asarray(values, float), int(step_s), bool(cumulative),
                                                    int(max_interpolation_s), time_zone)
    idx = _index(start, step, len(vals), "UTC")
    return pd.Series(vals, index=idx), rep


def calendar_features(index: Any, time_zone: str = "UTC", holidays: str | Sequence[Any] = "none") -> Any:
    """Calendar columns for a regular DatetimeIndex: local hour, weekday, weekend, holiday, month, ... DST flags.

    ``holidays``: "none", "england_wales", or a list of dates (a pluggable calendar).
    """
    import pandas as pd

    s = pd.Series(np.zeros(len(index)), index=index)
    start, step, _, _ = _grid(s)
    days: list[int] = []
    name = holidays if isinstance(holidays, str) else ""
    if not isinstance(holidays, str):
        days = [int(pd.Timestamp(d).value // 86_400_000_000_000) for d in holidays]
    d = _fc.calendar_features(start, step, len(index), time_zone, name, days)
    return pd.DataFrame(d, index=index)


def fourier_features(index: Any, period_s: int, k: int, time_zone: str = "UTC") -> Any:
    """sin/cos Fourier terms of local time with period ``period_s`` seconds (k harmonics)."""
    import pandas as pd

    s = pd.Series(np.zeros(len(index)), index=index)
    start, step, _, _ = _grid(s)
    return pd.DataFrame(_fc.fourier_features(start, step, len(index), int(period_s), int(k), time_zone), index=index)


def lag_features(series: Any, lags: Sequence[int]) -> Any:
    """Lagged copies of a Series (NaN before the start)."""
    import pandas as pd

    return pd.DataFrame(_fc.lag_features(np.asarray(series, float), [int(x) for x in lags]), index=series.index)


def rolling_features(series: Any, window: int) -> Any:
    """Trailing rolling mean and sd over ``window`` values before each time (no look-ahead)."""
    import pandas as pd

    return pd.DataFrame(_fc.rolling_features(np.asarray(series, float), int(window)), index=series.index)


def gefcom_features(temperature: Any, time_zone: str = "UTC") -> Any:
    """GEFCom2012 vanilla regression terms from an hourly temperature Series [degC]."""
    import pandas as pd

    start, step, vals, _ = _grid(temperature)
    return pd.DataFrame(_fc.gefcom_features(vals, start, step, time_zone), index=temperature.index)


def easter_sunday(year: int) -> Any:
    """Easter Sunday of a Gregorian year as a pandas Timestamp."""
    import pandas as pd

    return pd.Timestamp(_fc.easter_sunday(int(year)) * 86400, unit="s")
