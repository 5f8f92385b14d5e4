"""joule.forecast against independent computations (statsmodels, numpy, R when present) and its faces."""
from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import joule
import joule.forecast as jf


def load_like(n: int, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 100 + 20 * np.sin(2 * np.pi * (t % 48) / 48) - 8 * (((t // 48) % 7) >= 5) + rng.normal(0, 1, n)
    return pd.Series(y, index=pd.date_range("2024-01-01", periods=n, freq="30min"))


def test_forecast_returns_a_dataframe_on_the_next_intervals():
    s = load_like(48 * 21)
    fc = jf.forecast(s, 48, quantiles=(0.1, 0.5, 0.9))
    assert list(fc.columns) == ["mean", "q0.1", "q0.5", "q0.9"]
    assert fc.index[0] == s.index[-1] + pd.Timedelta("30min")
    assert len(fc) == 48
    assert (fc["q0.1"] <= fc["q0.9"]).all()
    assert fc.attrs["model"].startswith("auto:")
    # tz-aware input keeps its zone
    st = s.tz_localize("Europe/Amsterdam")
    assert str(jf.forecast(st, 4).index.tz) == "Europe/Amsterdam"


def test_errors_map_to_joule_exceptions():
    s = load_like(48 * 21)
    with pytest.raises(joule.InvalidArgumentError):
        jf.forecast(s, 4, quantiles=(1.5,))
    with pytest.raises(joule.InvalidArgumentError):
        jf.forecast(s, 4, model="prophet")
    with pytest.raises(joule.InvalidArgumentError):
        jf.forecast(s.iloc[[0, 1, 5]], 4)  # irregular index


def test_stl_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.tsa.seasonal")
    rng = np.random.default_rng(1)
    t = np.arange(240)
    y = 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.05 * t + rng.normal(0, 0.5, t.size)
    seas, trend, rem = jf.stl(y, 12, 7)
    nt = 23  # nextodd(1.5 * 12 / (1 - 1.5 / 7))
    r = sm.STL(y, period=12, seasonal=7, trend=nt, low_pass=13, seasonal_deg=0, trend_deg=1, low_pass_deg=1,
               seasonal_jump=1, trend_jump=3, low_pass_jump=2, robust=False).fit(inner_iter=2, outer_iter=0)
    np.testing.assert_allclose(seas, r.seasonal, atol=1e-8)
    np.testing.assert_allclose(trend, r.trend, atol=1e-8)
    np.testing.assert_allclose(seas + trend + rem, y, atol=1e-10)


def test_ets_level_forecast_agrees_with_statsmodels():
    ets = pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    rng = np.random.default_rng(2)
    y = 50 + np.cumsum(rng.normal(0, 1, 600)) * 0.3 + rng.normal(0, 1, 600)
    mine, q, name = jf.forecast_arrays(y, 0, 3 * 86400, 5, (0.05, 0.95), model="ets")
    res = ets.ETSModel(y, error="add", trend=None).fit(disp=False)
    ref = res.forecast(5)
    if name == "ets(A,N,N)":
        np.testing.assert_allclose(mine, ref, rtol=0.01)
        # analytic 90 % interval of ETS(A,N,N): +- 1.645 sigma sqrt(1 + (h-1) alpha^2)
        sigma = math.sqrt(res.mse)
        assert (q[1][0] - q[0][0]) / 2 == pytest.approx(1.645 * sigma, rel=0.1)
    else:
        assert abs(mine[0] - ref[0]) / abs(ref[0]) < 0.02


def test_quantile_regression_agrees_with_statsmodels():
    qr = pytest.importorskip("statsmodels.regression.quantile_regression")
    rng = np.random.default_rng(3)
    n = 800
    x = rng.uniform(0, 10, n + 10)
    y = 5 + 2 * x[:n] + rng.standard_t(5, n) * (1 + 0.2 * x[:n])
    s = pd.Series(y, index=pd.date_range("2024-01-01", periods=n, freq="3D"))  # step not dividing a day: no Fourier
    fc = jf.forecast(s, 10, quantiles=(0.1, 0.9), model="qreg", regressors=x[:n], future_regressors=x[n:])
    X = np.column_stack([np.ones(n), x[:n]])
    Xf = np.column_stack([np.ones(10), x[n:]])
    for tau, col in ((0.1, "q0.1"), (0.9, "q0.9")):
        ref = qr.QuantReg(y, X).fit(q=tau).predict(Xf)
        np.testing.assert_allclose(fc[col].to_numpy(), ref, rtol=0.03, atol=0.3)


def test_metrics_against_numpy():
    rng = np.random.default_rng(4)
    a = rng.uniform(50, 150, 200)
    f = a + rng.normal(0, 5, 200)
    lo, hi = f - 6, f + 6
    assert jf.mape(a, f) == pytest.approx(100 * np.mean(np.abs((a - f) / a)))
    tau = 0.8
    d = a - f
    assert jf.pinball(a, f, tau) == pytest.approx(np.mean(np.maximum(tau * d, (tau - 1) * d)))
    assert jf.coverage(a, lo, hi) == pytest.approx(100 * np.mean((a >= lo) & (a <= hi)))
    w = (hi - lo) + 2 / 0.2 * np.maximum(lo - a, 0) + 2 / 0.2 * np.maximum(a - hi, 0)
    assert jf.winkler(a, lo, hi, 0.2) == pytest.approx(np.mean(w))
    ins = rng.uniform(0, 10, 50)
    assert jf.mase(a[:5], f[:5], ins, 7) == pytest.approx(np.mean(np.abs(a[:5] - f[:5])) / np.mean(np.abs(ins[7:] - ins[:-7])))


def test_garch_likelihood_matches_numpy_and_is_maximal():
    rng = np.random.default_rng(5)
    n, om, al, be = 3000, 0.2, 0.08, 0.85
    r = np.empty(n)
    s2, e = om / (1 - al - be), 0.0
    for t in range(n):
        s2 = om + al * e * e + be * s2
        e = math.sqrt(s2) * rng.normal()
        r[t] = e
    g = jf.fit_garch11(r)

    def ll(mu, omega, alpha, beta):
        v = np.mean((r - mu) ** 2)
        s = v
        out = 0.0
        for t in range(n):
            if t:
                s = omega + alpha * (r[t - 1] - mu) ** 2 + beta * s
            out += -0.5 * (math.log(2 * math.pi) + math.log(s) + (r[t] - mu) ** 2 / s)
        return out

    assert g["log_likelihood"] == pytest.approx(ll(g["mu"], g["omega"], g["alpha"], g["beta"]), rel=1e-9)
    assert g["log_likelihood"] >= ll(g["mu"], om, al, be) - 1e-6
    assert g["beta"] == pytest.approx(be, abs=0.1)


def test_batch_equals_single_and_releases_the_gil():
    import threading

    rows = np.stack([load_like(48 * 15, s).to_numpy() for s in range(4)])
    mean, q, failed = jf.forecast_batch(rows, 0, 1800, 24, (0.9, 0.1), model="mstl", threads=2)
    assert failed == []
    assert q.shape == (4, 2, 24)
    m1, q1, _ = jf.forecast_arrays(rows[2], 0, 1800, 24, (0.1, 0.9), model="mstl")
    np.testing.assert_array_equal(mean[2], m1)
    np.testing.assert_array_equal(q[2], q1)  # levels ascending
    # Two Python threads forecasting at once give the same answers (the GIL is released inside).
    out = {}

    def run(i):
        out[i] = jf.forecast_arrays(rows[i], 0, 1800, 24, (0.5,), model="mstl")[0]

    th = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    [t.start() for t in th]
    [t.join() for t in th]
    np.testing.assert_array_equal(out[1], mean[1])


def test_edge_cases_constant_short_nan():
    idx = pd.date_range("2024-01-01", periods=48 * 15, freq="30min")
    fc = jf.forecast(pd.Series(7.0, index=idx), 10)
    np.testing.assert_allclose(fc["mean"], 7.0, atol=1e-6)
    short = load_like(30)  # shorter than a day
    assert np.isfinite(jf.forecast(short, 5)["mean"]).all()
    gappy = load_like(48 * 15)
    gappy.iloc[100:110] = np.nan
    assert np.isfinite(jf.forecast(gappy, 5, model="mstl")["mean"]).all()


def test_anomalies_rules_first():
    s = load_like(48 * 21)
    s.iloc[200] = 0.0
    s.iloc[500:510] = s.iloc[500]
    s.iloc[700] *= 1.6
    a = jf.detect_anomalies(s, period=336)
    kinds = dict(zip(a["index"], a["kind"]))
    assert kinds[200] == "zero"
    assert kinds[505] == "stuck"
    assert kinds[700] == "spike"
    assert set(a.columns) == {"time", "index", "score", "kind"}


def test_aggregate_readings_and_calendar():
    t = [0, 900, 900, 1800, 2700, 3600]
    v = [10.0, 11.0, 11.0, 12.5, 0.5, 1.0]
    s, rep = jf.aggregate_readings(t, v, step_s=900)
    assert rep["duplicates"] == 1 and rep["counter_resets"] == [2700]
    np.testing.assert_allclose(s.to_numpy(), [1.0, 1.5, 0.5, 0.5])
    idx = pd.date_range("2024-10-27", periods=50, freq="30min", tz="Europe/London").tz_convert("UTC")
    cal = jf.calendar_features(pd.DatetimeIndex(idx), time_zone="Europe/London", holidays="england_wales")
    assert cal["day_length_h"].iloc[0] == 25.0  # autumn DST day: 50 half-hours
    assert (cal["hour"].iloc[2] == 1.0) and (cal["hour"].iloc[4] == 1.0)  # 01:00 occurs twice
    hol = jf.calendar_features(pd.date_range("2000-08-28", periods=2, freq="D"), holidays="england_wales")
    assert list(hol["holiday"]) == [1.0, 0.0]
    assert jf.easter_sunday(2000) == pd.Timestamp("2000-04-23")


def test_price_forecast_handles_negative_prices():
    rng = np.random.default_rng(6)
    n = 24 * 28
    h = np.arange(n) % 24
    p = 40 + 25 * np.sin(2 * np.pi * (h - 6) / 24) + rng.normal(0, 2, n) - 90 * (h == 13)
    p[300] = 900
    fc = jf.forecast_price(pd.Series(p, index=pd.date_range("2024-01-01", periods=n, freq="h")), 24)
    assert fc["mean"].iloc[13] < -20
    assert (fc["q0.05"] <= fc["q0.95"]).all()


def test_price_forecast_garch_quantiles_match_an_independent_scipy_fit():
    """GARCH-scaled price quantiles: the GARCH on the model's residuals is checked against a scipy MLE,
    the quantile scaling against the closed-form h-step variance."""
    optimize = pytest.importorskip("scipy.optimize")
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(11)
    n = 24 * 60
    h = np.arange(n) % 24
    s2, e, eps = 4.0, 0.0, np.empty(n)
    for t in range(n):
        s2 = 0.4 + 0.15 * e * e + 0.8 * s2
        e = math.sqrt(s2) * rng.normal()
        eps[t] = e
    eps[-6:] = 12.0 * np.array([1, -1, 1, -1, 1, -1])  # a volatile end
    p = 40 + 15 * np.sin(2 * np.pi * h / 24) + eps
    s = pd.Series(p, index=pd.date_range("2024-01-01", periods=n, freq="h"))
    q = (0.05, 0.5, 0.95)
    plain = jf.forecast_price(s, 48, q)
    vol = jf.forecast_price(s, 48, q, garch=True)
    g = vol.attrs["garch"]
    assert vol.attrs["model"] == "price(huber)+garch(1,1)"
    assert "garch" not in plain.attrs
    r = np.asarray(g["residuals"])

    def negll(x):
        mu, om, al, be = x
        if om <= 0 or al < 0 or be < 0 or al + be >= 1:
            return 1e12
        e = r - mu
        sv = np.empty(len(r))
        sv[0] = np.mean(e * e)  # sigma_1^2 = sample variance around mu
        # sv[t] = om + al e[t-1]^2 + be sv[t-1] as a first-order linear filter
        sv[1:] = signal.lfilter([1.0], [1.0, -be], om + al * e[:-1] ** 2, zi=[be * sv[0]])[0]
        return 0.5 * np.sum(np.log(2 * np.pi) + np.log(sv) + e * e / sv)

    best = min((optimize.minimize(negll, x0, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 4000})
                for x0 in ([0.0, 0.5, 0.1, 0.8], [float(np.mean(r)), 0.2 * np.var(r), 0.05, 0.9])), key=lambda o: o.fun)
    # joule's estimate is at least as likely as scipy's (and its likelihood is the same function).
    assert -negll([g["mu"], g["omega"], g["alpha"], g["beta"]]) == pytest.approx(g["log_likelihood"], rel=1e-9)
    assert g["log_likelihood"] >= -best.fun - 1e-3
    assert g["alpha"] == pytest.approx(best.x[2], abs=0.03)
    assert g["beta"] == pytest.approx(best.x[3], abs=0.05)
    # Quantile offsets from the median scale by sqrt(sigma2[n+h] / mean sigma2), h-step closed form.
    a, b = g["alpha"], g["beta"]
    sbar = g["omega"] / (1 - a - b)
    s1 = g["omega"] + a * g["last_residual"] ** 2 + b * g["sigma2"][-1]
    var = sbar + (a + b) ** np.arange(48) * (s1 - sbar)
    np.testing.assert_allclose(g["variance_forecast"], var, rtol=1e-9)
    ratio = np.sqrt(var / g["mean_sigma2"])
    for col in ("q0.05", "q0.95"):
        np.testing.assert_allclose((vol[col] - vol["q0.5"]).to_numpy(), ratio * (plain[col] - plain["q0.5"]).to_numpy(),
                                   rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(vol["mean"], plain["mean"])
    assert ratio[0] > 1.5 and ratio[0] > ratio[-1]


def test_backtest_reports_interval_scores():
    s = load_like(48 * 7 * 5)
    r = jf.backtest(s, initial=48 * 28, horizon=48, stride=48, model="snaive", periods=(48, 336))
    assert len(r["origins"]) == 7
    assert [round(i[0]) for i in r["intervals"]] == [95, 80]


def test_mstl_matches_r_on_taylor(shared_dir):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed (Debian r-cran-forecast)")
    data = shared_dir / "data" / "forecast" / "taylor_ew_halfhourly_2000.csv"
    code = ("suppressMessages(library(forecast)); d <- read.csv('%s'); m <- mstl(msts(d$value[1:1344], "
            "seasonal.periods=c(48,336))); cat(m[c(1,700,1344),'Seasonal48'], m[c(1,700,1344),'Seasonal336'])" % data)
    try:
        out = subprocess.run(["Rscript", "--vanilla", "-e", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("Rscript timed out")
    if out.returncode != 0:
        pytest.skip("R forecast package not available: " + out.stderr[-200:])
    ref = np.array([float(x) for x in out.stdout.split()])
    y = pd.read_csv(data)["value"].to_numpy(float)[:1344]
    seas, trend, rem = jf.mstl(y, [48, 336])
    mine = np.array([seas[0][0], seas[0][699], seas[0][1343], seas[1][0], seas[1][699], seas[1][1343]])
    np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-4)


def test_cli_forecast_writes_csv(cli, tmp_path):
    s = load_like(48 * 14)
    f = tmp_path / "load.csv"
    pd.DataFrame({"timestamp": s.index.strftime("%Y-%m-%dT%H:%M:%S"), "value": s.values}).to_csv(f, index=False)
    out = subprocess.run([cli, "forecast", "--input", str(f), "--horizon", "6", "--quantiles", "0.1,0.9"],
                         capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "timestamp,mean,q0.1,q0.9"
    assert len(lines) == 7
    assert lines[1].startswith("2024-01-15T00:00:00Z,")
    bad = subprocess.run([cli, "forecast", "--input", str(tmp_path / "missing.csv"), "--horizon", "6"],
                         capture_output=True, text=True)
    assert bad.returncode == 3
    an = subprocess.run([cli, "anomalies", "--input", str(f)], capture_output=True, text=True, check=True)
    assert an.stdout.startswith("timestamp,index,score,kind")


def _taylor_daily(shared_dir):
    path = shared_dir / "data" / "forecast" / "taylor_ew_halfhourly_2000.csv"
    if not path.exists():
        pytest.skip(f"{path} is not present (GPL-3 data stays in ../shared)")
    df = pd.read_csv(path, parse_dates=["timestamp"]).set_index("timestamp")["value"]
    return df.resample("D").sum() / 1000.0  # daily energy, GWh-like scale, 84 days


ETS_FORMS = [("mul", None, False, None), ("mul", "add", False, None), ("mul", "add", True, None),
             ("mul", None, False, "mul"), ("mul", "add", True, "mul"), ("add", "add", True, "add"),
             ("mul", "add", False, "add")]


@pytest.mark.parametrize("error,trend,damped,season", ETS_FORMS)
def test_ets_forms_match_statsmodels_at_the_likelihood_optimum(shared_dir, error, trend, damped, season):
    """joule and statsmodels' ETSModel maximise the same HKOS likelihood from the same initial
    states (joule's heuristic ones, passed to statsmodels as known): the point forecasts of the two
    optima agree; class-1 intervals are exact, class 2 and 3 agree with statsmodels' simulation."""
    ets = pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    daily = _taylor_daily(shared_dir)
    y, m = daily.to_numpy(), 7
    form = "ets({},{},{})".format(error[0].upper(), "N" if trend is None else ("Ad" if damped else "A"),
                                  "N" if season is None else season[0].upper())
    mine = jf.forecast(daily, 14, quantiles=(0.1, 0.5, 0.9), model=form, periods=[m])
    assert mine.attrs["model"] == form
    w = m if season else 10
    l0 = y[:w].mean()
    kw = dict(error=error, trend=trend, damped_trend=damped, seasonal=season, seasonal_periods=m if season else None,
              initialization_method="known", initial_level=l0)
    if trend:
        kw["initial_trend"] = (y[w:2 * w].mean() - l0) / w
    if season:
        kw["initial_seasonal"] = y[:m] / l0 if season == "mul" else y[:m] - l0
    res = ets.ETSModel(daily, **kw).fit(disp=False, maxiter=2000)
    ref = res.forecast(14).to_numpy()
    np.testing.assert_allclose(mine["mean"].to_numpy(), ref, rtol=5e-3)
    if error == "add":
        frame = res.get_prediction(start=len(y), end=len(y) + 13).summary_frame(alpha=0.2)
        rtol = 0.01
    else:
        frame = res.get_prediction(start=len(y), end=len(y) + 13, method="simulated",
                                   simulate_repetitions=20000, random_state=1).summary_frame(alpha=0.2)
        rtol = 0.08
    half_mine = (mine["q0.9"] - mine["q0.1"]).to_numpy() / 2
    half_ref = (frame["pi_upper"] - frame["pi_lower"]).to_numpy() / 2
    np.testing.assert_allclose(half_mine, half_ref, rtol=rtol)


def test_ets_auto_form_and_refusals():
    t = np.arange(7 * 30)
    season = np.array([1.25, 1.2, 1.15, 1.1, 1.05, 0.7, 0.55])
    rng = np.random.default_rng(4)
    y = (100 + 2 * t) * season[t % 7] * (1 + rng.normal(0, 0.02, t.size))
    s = pd.Series(y, index=pd.date_range("2024-01-01", periods=t.size, freq="D"))
    out = jf.forecast(s, 7, model="ets(ZZZ)", periods=[7])
    assert out.attrs["model"].endswith(",M)")  # the growing swing is multiplicative
    with pytest.raises(joule.InvalidArgumentError, match="ets form"):
        jf.forecast(s, 7, model="ets(M,X,M)", periods=[7])
    with pytest.raises(joule.InvalidArgumentError, match="multiplicative seasonality"):
        jf.forecast(s, 7, model="ets(A,N,M)", periods=[7])
    s.iloc[10] = -1.0
    with pytest.raises(joule.InvalidArgumentError, match="strictly positive"):
        jf.forecast(s, 7, model="ets(M,N,N)", periods=[7])
    assert jf.forecast(s, 7, model="ets(ZZZ)", periods=[7]).attrs["model"].startswith("ets(A,")


def test_cli_forecast_ets_form(cli, tmp_path):
    t = np.arange(7 * 20)
    y = (100 + t) * np.array([1.2, 1.1, 1.1, 1.0, 1.0, 0.8, 0.8])[t % 7]
    ts = pd.date_range("2024-01-01", periods=t.size, freq="D")
    f = tmp_path / "daily.csv"
    pd.DataFrame({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S"), "value": y}).to_csv(f, index=False)
    out = subprocess.run([cli, "forecast", "--input", str(f), "--horizon", "7", "--periods", "7", "--model",
                          "ets(M,A,M)", "--quantiles", "0.1,0.9"], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "timestamp,mean,q0.1,q0.9"
    first = [float(v) for v in lines[1].split(",")[1:]]
    assert first[0] == pytest.approx((100 + 140) * 1.2, rel=0.01)  # exact multiplicative series
    assert first[1] <= first[0] <= first[2]
    bad = subprocess.run([cli, "forecast", "--input", str(f), "--horizon", "7", "--model", "ets(Q,N,N)"],
                         capture_output=True, text=True)
    assert bad.returncode != 0
    assert "ets form" in bad.stderr
