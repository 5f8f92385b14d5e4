// C API of the forecast module.
#include <algorithm>
#include <memory>
#include <vector>

#include "c_api_internal.hpp"
#include "joule/forecast/anomaly.hpp"
#include "joule/forecast/backtest.hpp"
#include "joule/forecast/forecast.hpp"
#include "joule/forecast/price.hpp"

struct joule_forecaster {
  joule::forecast::ModelOptions options;
  std::unique_ptr<joule::forecast::Model> model;
  bool fitted = false;
};

namespace {
using joule::capi::report;

joule_status to_options(const joule_forecast_options* c, joule::forecast::ModelOptions& o) {
  if (c == nullptr) return joule::capi::ok();
  if (c->struct_size < sizeof(joule_forecast_options))
    return report(JOULE_INVALID_ARGUMENT, "joule_forecast_options.struct_size too small: call joule_forecast_options_init");
  if (c->model < JOULE_FORECAST_AUTO || c->model > JOULE_FORECAST_QUANTILE_REGRESSION)
    return report(JOULE_INVALID_ARGUMENT, "unknown joule_forecast_model");
  static const joule::forecast::ModelKind kinds[] = {
      joule::forecast::ModelKind::automatic, joule::forecast::ModelKind::seasonal_naive, joule::forecast::ModelKind::ets,
      joule::forecast::ModelKind::dshw, joule::forecast::ModelKind::mstl, joule::forecast::ModelKind::ridge,
      joule::forecast::ModelKind::quantile_regression};
  o.kind = kinds[c->model];
  if (c->n_periods > 0 && c->periods == nullptr) return report(JOULE_INVALID_ARGUMENT, "periods is NULL");
  o.periods.assign(c->periods, c->periods + c->n_periods);
  o.non_negative = c->non_negative != 0;
  o.calibration_origins = c->calibration_origins;
  if (c->ets_form != nullptr) o.ets_form = c->ets_form;
  return joule::capi::ok();
}

joule_status write_forecast(const joule::forecast::Forecast& fc, size_t horizon, const double* levels, size_t nl,
                            double* mean, double* q) {
  std::copy(fc.mean.begin(), fc.mean.end(), mean);
  for (size_t j = 0; j < nl; ++j) {
    auto p = fc.quantile(levels[j]);
    if (!p) return report(p.error());
    std::copy(p->begin(), p->end(), q + j * horizon);
  }
  return joule::capi::ok();
}
}  // namespace

extern "C" {

JOULE_API void joule_forecast_options_init(joule_forecast_options* o) {
  if (o == nullptr) return;
  o->struct_size = sizeof(joule_forecast_options);
  o->model = JOULE_FORECAST_AUTO;
  o->periods = nullptr;
  o->n_periods = 0;
  o->non_negative = 0;
  o->calibration_origins = 12;
  o->ets_form = nullptr;
}

JOULE_API joule_status joule_forecaster_create(const joule_forecast_options* options, joule_forecaster** out) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    *out = nullptr;
    auto f = std::make_unique<joule_forecaster>();
    joule_status s = to_options(options, f->options);
    if (s != JOULE_OK) return s;
    auto m = joule::forecast::make_model(f->options);
    if (!m) return report(m.error());
    f->model = std::move(*m);
    *out = f.release();
    return joule::capi::ok();
  });
}

JOULE_API void joule_forecaster_destroy(joule_forecaster* f) { delete f; }

JOULE_API joule_status joule_forecaster_fit(joule_forecaster* f, int64_t start_s, int64_t step_s, const double* values,
                                            size_t n) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(f != nullptr, "forecaster is NULL");
    JOULE_C_REQUIRE(values != nullptr || n == 0, "values is NULL");
    f->fitted = false;
    auto ts = joule::TimeSeries::make(start_s, step_s, std::vector<double>(values, values + n));
    if (!ts) return report(ts.error());
    auto r = f->model->fit(*ts);
    if (!r) return report(r.error());
    f->fitted = true;
    return joule::capi::ok();
  });
}

JOULE_API joule_status joule_forecaster_predict(const joule_forecaster* f, size_t horizon, const double* levels,
                                                size_t nl, double* mean, double* quantiles) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(f != nullptr, "forecaster is NULL");
    JOULE_C_REQUIRE(mean != nullptr, "mean is NULL");
    JOULE_C_REQUIRE(nl == 0 || (levels != nullptr && quantiles != nullptr), "levels or quantiles is NULL");
    auto fc = f->model->predict(horizon, std::span<const double>(levels, nl));
    if (!fc) return report(fc.error());
    return write_forecast(*fc, horizon, levels, nl, mean, quantiles);
  });
}

JOULE_API joule_status joule_forecaster_describe(const joule_forecaster* f, char* buf, size_t cap, size_t* len) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(f != nullptr, "forecaster is NULL");
    return joule::capi::write_string(f->model->description(), buf, cap, len);
  });
}

JOULE_API joule_status joule_forecast(const joule_forecast_options* options, int64_t start_s, int64_t step_s,
                                      const double* values, size_t n, size_t horizon, const double* levels, size_t nl,
                                      double* mean, double* quantiles) {
  joule_forecaster* f = nullptr;
  joule_status s = joule_forecaster_create(options, &f);
  if (s != JOULE_OK) return s;
  s = joule_forecaster_fit(f, start_s, step_s, values, n);
  if (s == JOULE_OK) s = joule_forecaster_predict(f, horizon, levels, nl, mean, quantiles);
  joule_forecaster_destroy(f);
  return s;
}

JOULE_API joule_status joule_forecast_price(int64_t start_s, int64_t step_s, const double* values, size_t n,
                                            size_t period, int garch, size_t horizon, const double* levels, size_t nl,
                                            double* mean, double* quantiles) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(values != nullptr && mean != nullptr, "values or mean is NULL");
    JOULE_C_REQUIRE(nl == 0 || (levels != nullptr && quantiles != nullptr), "levels or quantiles is NULL");
    auto ts = joule::TimeSeries::make(start_s, step_s, std::vector<double>(values, values + n));
    if (!ts) return report(ts.error());
    joule::forecast::PriceModelOptions o;
    o.period = period;
    o.garch_intervals = garch != 0;
    auto m = joule::forecast::make_price_model(o);
    if (!m) return report(m.error());
    if (auto st = (*m)->fit(*ts); !st) return report(st.error());
    auto fc = (*m)->predict(horizon, std::span<const double>(levels, nl));
    if (!fc) return report(fc.error());
    return write_forecast(*fc, horizon, levels, nl, mean, quantiles);
  });
}

JOULE_API joule_status joule_detect_anomalies(int64_t start_s, int64_t step_s, const double* values, size_t n,
                                              size_t period, int cumulative, joule_anomaly* out, size_t cap,
                                              size_t* count) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(values != nullptr && count != nullptr, "values or count is NULL");
    auto ts = joule::TimeSeries::make(start_s, step_s, std::vector<double>(values, values + n));
    if (!ts) return report(ts.error());
    joule::forecast::AnomalyOptions o;
    o.period = period;
    o.cumulative = cumulative != 0;
    auto a = joule::forecast::detect_anomalies(*ts, o);
    if (!a) return report(a.error());
    *count = a->size();
    for (size_t i = 0; i < std::min(cap, a->size()); ++i) {
      if (out == nullptr) break;
      out[i] = joule_anomaly{(*a)[i].index, (*a)[i].time_s, (*a)[i].score, static_cast<joule_anomaly_kind>((*a)[i].kind)};
    }
    if (cap < a->size()) return report(JOULE_BUFFER_TOO_SMALL, "anomaly buffer too small; *count holds the number found");
    return joule::capi::ok();
  });
}

JOULE_API joule_status joule_forecast_mape(const double* a, const double* f, size_t n, double* out) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(a && f && out, "NULL argument");
    auto r = joule::forecast::mape({a, n}, {f, n});
    if (!r) return report(r.error());
    *out = *r;
    return joule::capi::ok();
  });
}

JOULE_API joule_status joule_forecast_pinball(const double* a, const double* q, size_t n, double tau, double* out) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(a && q && out, "NULL argument");
    auto r = joule::forecast::pinball({a, n}, {q, n}, tau);
    if (!r) return report(r.error());
    *out = *r;
    return joule::capi::ok();
  });
}

JOULE_API joule_status joule_forecast_winkler(const double* a, const double* lo, const double* hi, size_t n,
                                              double alpha, double* out) {
  return joule::capi::guard([&] {
    JOULE_C_REQUIRE(a && lo && hi && out, "NULL argument");
    auto r = joule::forecast::winkler({a, n}, {lo, n}, {hi, n}, alpha);
    if (!r) return report(r.error());
    *out = *r;
    return joule::capi::ok();
  });
}

}  // extern "C"
