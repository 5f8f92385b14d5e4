// Python binding of the forecast module (joule._joule.forecast); the public
// API is joule/forecast.py. Heavy calls release the GIL.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_common.hpp"
#include "joule/forecast/anomaly.hpp"
#include "joule/forecast/backtest.hpp"
#include "joule/forecast/forecast.hpp"
#include "joule/forecast/prep.hpp"
#include "joule/forecast/price.hpp"
#include "joule/time_zone.hpp"

namespace joule::py {
namespace {
namespace fc = joule::forecast;
using Arr = pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>;

std::vector<double> to_vec(const Arr& a) { return std::vector<double>(a.data(), a.data() + a.size()); }

pyb::array_t<double> to_array(const std::vector<double>& v) {
  pyb::array_t<double> a(static_cast<pyb::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

// A 2-D (rows x cols) array of regressors -> Features (columns).
fc::Features to_features(const std::optional<Arr>& x) {
  fc::Features f;
  if (!x) return f;
  if (x->ndim() != 2) raise_error(Error(Errc::invalid_argument, "regressors must be a 2-D array (rows x columns)"));
  const auto rows = static_cast<std::size_t>(x->shape(0)), cols = static_cast<std::size_t>(x->shape(1));
  for (std::size_t c = 0; c < cols; ++c) {
    std::vector<double> col(rows);
    for (std::size_t r = 0; r < rows; ++r) col[r] = x->data()[r * cols + c];
    f.columns.push_back(std::move(col));
    f.names.push_back("x" + std::to_string(c));
  }
  return f;
}

fc::ModelOptions options(const std::string& model, const std::vector<std::size_t>& periods, bool non_negative,
                         std::size_t calibration_origins, const std::string& remainder, const std::string& intervals) {
  fc::ModelOptions o;
  unwrap(fc::parse_model(model, o));  // also "ets(M,Ad,M)"
  o.periods = periods;
  o.non_negative = non_negative;
  o.calibration_origins = calibration_origins;
  if (remainder == "naive") o.remainder = fc::Remainder::naive;
  else if (remainder == "ar") o.remainder = fc::Remainder::ar;
  else if (remainder == "ets") o.remainder = fc::Remainder::ets;
  else if (remainder == "combined") o.remainder = fc::Remainder::combined;
  else raise_error(Error(Errc::invalid_argument, "remainder must be naive, ar, ets or combined"));
  if (intervals == "auto") o.intervals = fc::Intervals::automatic;
  else if (intervals == "analytic") o.intervals = fc::Intervals::analytic;
  else if (intervals == "conformal") o.intervals = fc::Intervals::conformal;
  else raise_error(Error(Errc::invalid_argument, "intervals must be auto, analytic or conformal"));
  return o;
}

pyb::tuple forecast_out(const fc::Forecast& f, const std::string& desc) {
  pyb::array_t<double> q({static_cast<pyb::ssize_t>(f.quantiles.size()), static_cast<pyb::ssize_t>(f.mean.size())});
  for (std::size_t j = 0; j < f.quantiles.size(); ++j)
    std::copy(f.quantiles[j].begin(), f.quantiles[j].end(), q.mutable_data() + j * f.mean.size());
  return pyb::make_tuple(f.start_s, f.step_s, to_array(f.mean), to_array(f.levels), q, desc);
}

}  // namespace

void init_forecast(pyb::module_& m) {
  m.doc() = "Forecasting (use joule.forecast).";

  m.def("fit_predict",
        [](const Arr& values, std::int64_t start_s, std::int64_t step_s, std::size_t horizon, std::vector<double> levels,
           const std::string& model, std::vector<std::size_t> periods, bool non_negative, std::size_t calibration_origins,
           const std::string& remainder, const std::string& intervals, std::optional<Arr> x, std::optional<Arr> future) {
          auto o = options(model, periods, non_negative, calibration_origins, remainder, intervals);
          auto ts = unwrap(TimeSeries::make(start_s, step_s, to_vec(values)));
          fc::Features fx = to_features(x), ff = to_features(future);
          Result<fc::Forecast> r = fail(Errc::internal, "not run");
          std::string desc;
          {
            pyb::gil_scoped_release release;
            auto mdl = fc::make_model(o);
            if (!mdl) {
              r = fail(mdl.error());
            } else {
              if (o.kind == fc::ModelKind::quantile_regression) {
                r = fc::fit_predict(ts, horizon, levels, o, x ? &fx : nullptr, future ? &ff : nullptr);
                desc = "quantile_regression";
              } else {
                auto st = (*mdl)->fit(ts, x ? &fx : nullptr);
                if (!st) r = fail(st.error());
                else r = (*mdl)->predict(horizon, levels, future ? &ff : nullptr);
                desc = (*mdl)->description();
              }
            }
          }
          return forecast_out(unwrap(std::move(r)), desc);
        },
        pyb::arg("values"), pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("horizon"), pyb::arg("levels"),
        pyb::arg("model") = "auto", pyb::arg("periods") = std::vector<std::size_t>{}, pyb::arg("non_negative") = false,
        pyb::arg("calibration_origins") = 12, pyb::arg("remainder") = "combined", pyb::arg("intervals") = "auto",
        pyb::arg("x") = pyb::none(), pyb::arg("future") = pyb::none());

  m.def("batch",
        [](const Arr& values, std::int64_t start_s, std::int64_t step_s, std::size_t horizon, std::vector<double> levels,
           const std::string& model, std::vector<std::size_t> periods, bool non_negative, std::size_t calibration_origins,
           std::size_t threads, const std::string& remainder, const std::string& intervals) {
          if (values.ndim() != 2) raise_error(Error(Errc::invalid_argument, "values must be 2-D (series x steps)"));
          auto o = options(model, periods, non_negative, calibration_origins, remainder, intervals);
          const auto ns = static_cast<std::size_t>(values.shape(0));
          std::span<const double> v(values.data(), static_cast<std::size_t>(values.size()));
          Result<fc::BatchResult> r = fail(Errc::internal, "not run");
          {
            pyb::gil_scoped_release release;
            r = fc::forecast_batch(v, ns, start_s, step_s, horizon, levels, o, threads);
          }
          auto b = unwrap(std::move(r));
          pyb::array_t<double> mean({static_cast<pyb::ssize_t>(ns), static_cast<pyb::ssize_t>(horizon)});
          std::copy(b.mean.begin(), b.mean.end(), mean.mutable_data());
          pyb::array_t<double> q({static_cast<pyb::ssize_t>(ns), static_cast<pyb::ssize_t>(levels.size()),
                                  static_cast<pyb::ssize_t>(horizon)});
          std::copy(b.quantiles.begin(), b.quantiles.end(), q.mutable_data());
          return pyb::make_tuple(mean, q, b.failed);
        },
        pyb::arg("values"), pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("horizon"), pyb::arg("levels"),
        pyb::arg("model") = "auto", pyb::arg("periods") = std::vector<std::size_t>{}, pyb::arg("non_negative") = false,
        pyb::arg("calibration_origins") = 12, pyb::arg("threads") = 1, pyb::arg("remainder") = "combined",
        pyb::arg("intervals") = "auto");

  m.def("detect_anomalies",
        [](const Arr& values, std::int64_t start_s, std::int64_t step_s, std::size_t period, double z_threshold,
           bool seasonal_esd, double esd_alpha, double esd_max_fraction, std::size_t stuck_min_run, bool zero_rule,
           bool cumulative, std::size_t level_window, double level_threshold) {
          auto ts = unwrap(TimeSeries::make(start_s, step_s, to_vec(values)));
          fc::AnomalyOptions o{period, z_threshold, seasonal_esd, esd_alpha, esd_max_fraction, stuck_min_run, zero_rule,
                               cumulative, level_window, level_threshold};
          Result<std::vector<fc::Anomaly>> r = fail(Errc::internal, "not run");
          {
            pyb::gil_scoped_release release;
            r = fc::detect_anomalies(ts, o);
          }
          auto a = unwrap(std::move(r));
          pyb::list out;
          for (const auto& x : a) out.append(pyb::make_tuple(x.index, x.time_s, x.score, fc::anomaly_kind_name(x.kind)));
          return out;
        },
        pyb::arg("values"), pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("period") = 0, pyb::arg("z_threshold") = 6.0,
        pyb::arg("seasonal_esd") = true, pyb::arg("esd_alpha") = 0.05, pyb::arg("esd_max_fraction") = 0.005,
        pyb::arg("stuck_min_run") = 6, pyb::arg("zero_rule") = true, pyb::arg("cumulative") = false,
        pyb::arg("level_window") = 0, pyb::arg("level_threshold") = 4.0);

  m.def("backtest",
        [](const Arr& values, std::int64_t start_s, std::int64_t step_s, const std::string& model,
           std::vector<std::size_t> periods, std::size_t initial, std::size_t horizon, std::size_t stride,
           std::size_t max_origins, std::vector<double> levels) {
          auto ts = unwrap(TimeSeries::make(start_s, step_s, to_vec(values)));
          auto o = options(model, periods, false, 12, "combined", "auto");
          fc::BacktestOptions b;
          b.initial = initial;
          b.horizon = horizon;
          b.stride = stride;
          b.max_origins = max_origins;
          b.levels = levels;
          Result<fc::BacktestResult> r = fail(Errc::internal, "not run");
          {
            pyb::gil_scoped_release release;
            r = fc::backtest(ts, o, b);
          }
          auto res = unwrap(std::move(r));
          pyb::dict d;
          d["origins"] = res.origins;
          d["mape"] = res.mape;
          d["mase"] = res.mase;
          d["pinball"] = res.pinball;
          pyb::list iv;
          for (const auto& s : res.intervals) iv.append(pyb::make_tuple(s.nominal, s.coverage, s.winkler));
          d["intervals"] = iv;
          return d;
        },
        pyb::arg("values"), pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("model") = "auto",
        pyb::arg("periods") = std::vector<std::size_t>{}, pyb::arg("initial"), pyb::arg("horizon"), pyb::arg("stride"),
        pyb::arg("max_origins") = 0, pyb::arg("levels") = std::vector<double>{0.025, 0.1, 0.9, 0.975});

  m.def("mape", [](const Arr& a, const Arr& f) { return unwrap(fc::mape(to_vec(a), to_vec(f))); });
  m.def("mase", [](const Arr& a, const Arr& f, const Arr& in, std::size_t period) {
    return unwrap(fc::mase(to_vec(a), to_vec(f), to_vec(in), period));
  });
  m.def("pinball", [](const Arr& a, const Arr& q, double tau) { return unwrap(fc::pinball(to_vec(a), to_vec(q), tau)); });
  m.def("coverage", [](const Arr& a, const Arr& lo, const Arr& hi) {
    return unwrap(fc::coverage(to_vec(a), to_vec(lo), to_vec(hi)));
  });
  m.def("winkler", [](const Arr& a, const Arr& lo, const Arr& hi, double alpha) {
    return unwrap(fc::winkler(to_vec(a), to_vec(lo), to_vec(hi), alpha));
  });

  m.def("stl", [](const Arr& y, std::size_t period, std::size_t s_window, std::size_t t_window, std::size_t inner) {
    auto v = to_vec(y);
    Result<fc::StlResult> r = fail(Errc::internal, "not run");
    {
      pyb::gil_scoped_release release;
      r = fc::stl(v, period, s_window, t_window, inner);
    }
    auto s = unwrap(std::move(r));
    return pyb::make_tuple(to_array(s.seasonal), to_array(s.trend), to_array(s.remainder));
  }, pyb::arg("y"), pyb::arg("period"), pyb::arg("s_window"), pyb::arg("t_window") = 0, pyb::arg("inner") = 2);
  m.def("mstl", [](const Arr& y, std::vector<std::size_t> periods, std::size_t iterate) {
    auto v = to_vec(y);
    Result<fc::MstlResult> r = fail(Errc::internal, "not run");
    {
      pyb::gil_scoped_release release;
      r = fc::mstl(v, periods, iterate);
    }
    auto s = unwrap(std::move(r));
    pyb::list seas;
    for (const auto& c : s.seasonal) seas.append(to_array(c));
    return pyb::make_tuple(seas, to_array(s.trend), to_array(s.remainder));
  }, pyb::arg("y"), pyb::arg("periods"), pyb::arg("iterate") = 2);

  m.def("fit_garch11", [](const Arr& r) {
    auto v = to_vec(r);
    Result<fc::Garch11> g = fail(Errc::internal, "not run");
    {
      pyb::gil_scoped_release release;
      g = fc::fit_garch11(v);
    }
    auto x = unwrap(std::move(g));
    pyb::dict d;
    d["mu"] = x.mu;
    d["omega"] = x.omega;
    d["alpha"] = x.alpha;
    d["beta"] = x.beta;
    d["log_likelihood"] = x.log_likelihood;
    d["sigma2"] = to_array(x.sigma2);
    d["variance_forecast"] = to_array(fc::garch11_forecast(x, 48));
    return d;
  });
  m.def("garch11_log_likelihood", [](const Arr& r, double mu, double omega, double alpha, double beta) {
    return fc::garch11_log_likelihood(to_vec(r), mu, omega, alpha, beta);
  });

  m.def("price_forecast",
        [](const Arr& values, std::int64_t start_s, std::int64_t step_s, std::size_t horizon, std::vector<double> levels,
           std::size_t period, std::optional<Arr> x, std::optional<Arr> future, bool garch) {
          auto ts = unwrap(TimeSeries::make(start_s, step_s, to_vec(values)));
          fc::Features fx = to_features(x), ff = to_features(future);
          fc::PriceModelOptions po;
          po.period = period;
          po.garch_intervals = garch;
          auto mdl = unwrap(fc::make_price_model(po));
          Result<fc::Forecast> r = fail(Errc::internal, "not run");
          {
            pyb::gil_scoped_release release;
            auto st = mdl->fit(ts, x ? &fx : nullptr);
            if (!st) r = fail(st.error());
            else r = mdl->predict(horizon, levels, future ? &ff : nullptr);
          }
          pyb::tuple out = forecast_out(unwrap(std::move(r)), mdl->description());
          pyb::object vol = pyb::none();
          if (garch) {
            auto v = unwrap(fc::price_volatility(*mdl));
            pyb::dict d;
            d["mu"] = v.garch.mu;
            d["omega"] = v.garch.omega;
            d["alpha"] = v.garch.alpha;
            d["beta"] = v.garch.beta;
            d["log_likelihood"] = v.garch.log_likelihood;
            d["last_residual"] = v.garch.last_residual;
            d["sigma2"] = to_array(v.garch.sigma2);
            d["residuals"] = to_array(v.residuals);
            d["mean_sigma2"] = v.mean_sigma2;
            d["variance_forecast"] = to_array(fc::garch11_forecast(v.garch, horizon));
            vol = std::move(d);
          }
          return pyb::make_tuple(out, vol);
        },
        pyb::arg("values"), pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("horizon"), pyb::arg("levels"),
        pyb::arg("period") = 24, pyb::arg("x") = pyb::none(), pyb::arg("future") = pyb::none(),
        pyb::arg("garch") = false);

  m.def("aggregate_readings",
        [](std::vector<std::int64_t> times, const Arr& values, std::int64_t step_s, bool cumulative,
           std::int64_t max_interpolation_s, const std::string& tz_name) {
          if (times.size() != static_cast<std::size_t>(values.size()))
            raise_error(Error(Errc::invalid_argument, "times and values differ in length"));
          std::vector<fc::Reading> r(times.size());
          for (std::size_t i = 0; i < r.size(); ++i) r[i] = fc::Reading{times[i], values.data()[i]};
          fc::PrepOptions o;
          o.step_s = step_s;
          o.kind = cumulative ? fc::ReadingKind::cumulative : fc::ReadingKind::interval;
          o.max_interpolation_s = max_interpolation_s;
          std::optional<TimeZone> tz;
          if (!tz_name.empty()) {
            tz = unwrap(TimeZone::load(tz_name));
            o.time_zone = &*tz;
          }
          auto p = unwrap(fc::aggregate_readings(r, o));
          pyb::dict rep;
          rep["readings"] = p.report.readings;
          rep["duplicates"] = p.report.duplicates;
          rep["conflicting_duplicates"] = p.report.conflicting_duplicates;
          rep["out_of_order"] = p.report.out_of_order;
          rep["non_finite"] = p.report.non_finite;
          rep["counter_resets"] = p.report.counter_resets;
          rep["gap_intervals"] = p.report.gap_intervals;
          rep["gaps"] = p.report.gaps;
          rep["dst_change_days_utc"] = p.report.dst_change_days_utc;
          std::vector<double> v(p.series.values().begin(), p.series.values().end());
          return pyb::make_tuple(p.series.start(), p.series.step(), to_array(v), rep);
        },
        pyb::arg("times"), pyb::arg("values"), pyb::arg("step_s") = 900, pyb::arg("cumulative") = true,
        pyb::arg("max_interpolation_s") = 86400, pyb::arg("time_zone") = "");

  auto features_dict = [](const fc::Features& f) {
    pyb::dict d;
    for (std::size_t c = 0; c < f.columns.size(); ++c) d[pyb::str(f.names[c])] = to_array(f.columns[c]);
    return d;
  };
  m.def("calendar_features",
        [features_dict](std::int64_t start_s, std::int64_t step_s, std::size_t n, const std::string& tz_name,
                        const std::string& holidays, std::vector<std::int64_t> holiday_days) {
          auto tz = unwrap(TimeZone::load(tz_name));
          std::unique_ptr<fc::HolidayCalendar> cal;
          if (holidays == "england_wales") cal = std::make_unique<fc::EnglandWalesCalendar>();
          else if (!holiday_days.empty()) cal = std::make_unique<fc::DateListCalendar>(holiday_days);
          else if (!holidays.empty() && holidays != "none")
            raise_error(Error(Errc::invalid_argument, "holidays must be 'england_wales', 'none' or a date list"));
          return features_dict(fc::calendar_features(start_s, step_s, n, tz, cal.get()));
        },
        pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("n"), pyb::arg("time_zone") = "UTC",
        pyb::arg("holidays") = "none", pyb::arg("holiday_days") = std::vector<std::int64_t>{});
  m.def("fourier_features",
        [features_dict](std::int64_t start_s, std::int64_t step_s, std::size_t n, std::int64_t period_s, std::size_t k,
                        const std::string& tz_name) {
          auto tz = unwrap(TimeZone::load(tz_name));
          return features_dict(fc::fourier_features(start_s, step_s, n, period_s, k, tz));
        },
        pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("n"), pyb::arg("period_s"), pyb::arg("k"),
        pyb::arg("time_zone") = "UTC");
  m.def("lag_features", [features_dict](const Arr& y, std::vector<std::size_t> lags) {
    return features_dict(fc::lag_features(to_vec(y), lags));
  });
  m.def("rolling_features", [features_dict](const Arr& y, std::size_t window) {
    return features_dict(fc::rolling_features(to_vec(y), window));
  });
  m.def("gefcom_features",
        [features_dict](const Arr& t, std::int64_t start_s, std::int64_t step_s, const std::string& tz_name) {
          auto tz = unwrap(TimeZone::load(tz_name));
          return features_dict(unwrap(fc::gefcom_features(to_vec(t), start_s, step_s, tz)));
        },
        pyb::arg("temperature_c"), pyb::arg("start_s"), pyb::arg("step_s"), pyb::arg("time_zone") = "UTC");
  m.def("easter_sunday", &fc::easter_sunday);
}

}  // namespace joule::py
