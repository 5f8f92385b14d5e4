/* joule_forecast.h: forecasting from C (part of joule.h).
 *
 * Fit a model on an array of values on a regular time grid and predict a
 * horizon with quantiles; detect anomalies; score forecasts.
 *
 * Example:
 *   joule_forecast_options o;
 *   joule_forecast_options_init(&o);                 // automatic model, daily+weekly periods
 *   double levels[2] = {0.1, 0.9}, mean[48], q[2 * 48];
 *   joule_forecast(&o, t0, 1800, load, n, 48, levels, 2, mean, q);   // q[j * 48 + h]
 */
#ifndef JOULE_FORECAST_H
#define JOULE_FORECAST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which model (see docs/forecast.md). */
typedef enum joule_forecast_model {
  JOULE_FORECAST_AUTO = 0,
  JOULE_FORECAST_SEASONAL_NAIVE = 1,
  JOULE_FORECAST_ETS = 2,
  JOULE_FORECAST_DSHW = 3,
  JOULE_FORECAST_MSTL = 4,
  JOULE_FORECAST_RIDGE = 5,
  JOULE_FORECAST_QUANTILE_REGRESSION = 6,
  JOULE_FORECAST_MODEL_FORCE_INT32_ = 0x7FFFFFFF
} joule_forecast_model;

/* Options; call joule_forecast_options_init first (it sets struct_size and defaults). */
typedef struct joule_forecast_options {
  size_t struct_size;          /* sizeof(joule_forecast_options) */
  joule_forecast_model model;  /* default JOULE_FORECAST_AUTO */
  const size_t* periods;       /* seasonal periods in steps, ascending; NULL: one day and one week */
  size_t n_periods;
  int non_negative;            /* 1: clip forecasts and quantiles at 0 (PV, load) */
  size_t calibration_origins;  /* rolling origins for conformal intervals / CV (default 12) */
  const char* ets_form;        /* JOULE_FORECAST_ETS: forms to try as R's ets(model=), error A|M|Z, trend
                                  N|A|Ad|Z, season N|A|M|Z (season uses periods[0]), e.g. "MAdM", "ZZZ";
                                  NULL (default): additive error, trend chosen, no season */
} joule_forecast_options;

/* A fitted model. */
typedef struct joule_forecaster joule_forecaster;

JOULE_API void joule_forecast_options_init(joule_forecast_options* options);
/* Creates an unfitted model. */
JOULE_API joule_status joule_forecaster_create(const joule_forecast_options* options, joule_forecaster** out);
JOULE_API void joule_forecaster_destroy(joule_forecaster* f);
/* Fits on n values starting at start_s (UTC s) with step_s; NaN gaps up to one period are interpolated. */
JOULE_API joule_status joule_forecaster_fit(joule_forecaster* f, int64_t start_s, int64_t step_s, const double* values,
                                            size_t n);
/* Predicts `horizon` steps: mean[horizon], quantiles[n_levels * horizon] (row j = levels[j], caller's order). */
JOULE_API joule_status joule_forecaster_predict(const joule_forecaster* f, size_t horizon, const double* levels,
                                                size_t n_levels, double* mean, double* quantiles);
/* The fitted model's description ("auto:mstl+naive+ar") into buf. */
JOULE_API joule_status joule_forecaster_describe(const joule_forecaster* f, char* buf, size_t cap, size_t* len);
/* One call: create, fit, predict, destroy. */
JOULE_API joule_status joule_forecast(const joule_forecast_options* options, int64_t start_s, int64_t step_s,
                                      const double* values, size_t n, size_t horizon, const double* levels,
                                      size_t n_levels, double* mean, double* quantiles);

/* Day-ahead price forecast (robust regression on hour/weekday dummies and the
   prices one day and one week earlier; negative prices allowed). `period`:
   steps per day (24 hourly). garch != 0: each quantile's offset from the
   hour's median residual is scaled by the GARCH(1,1) h-step standard
   deviation of the model's residuals relative to its in-sample average.
   Outputs as joule_forecaster_predict. Needs at least 8 days of data. */
JOULE_API joule_status joule_forecast_price(int64_t start_s, int64_t step_s, const double* values, size_t n,
                                            size_t period, int garch, size_t horizon, const double* levels,
                                            size_t n_levels, double* mean, double* quantiles);

/* Kinds of anomaly (joule::forecast::AnomalyKind). */
typedef enum joule_anomaly_kind {
  JOULE_ANOMALY_SPIKE = 0,
  JOULE_ANOMALY_DIP = 1,
  JOULE_ANOMALY_LEVEL_SHIFT = 2,
  JOULE_ANOMALY_STUCK = 3,
  JOULE_ANOMALY_ZERO = 4,
  JOULE_ANOMALY_COUNTER_RESET = 5,
  JOULE_ANOMALY_MISSING = 6,
  JOULE_ANOMALY_KIND_FORCE_INT32_ = 0x7FFFFFFF
} joule_anomaly_kind;

typedef struct joule_anomaly {
  size_t index;
  int64_t time_s;
  double score;
  joule_anomaly_kind kind;
} joule_anomaly;

/* Detects anomalies with default options (period 0 = automatic, cumulative 0/1).
 * Writes up to cap anomalies and the total found in *count (JOULE_BUFFER_TOO_SMALL when cap < *count). */
JOULE_API joule_status joule_detect_anomalies(int64_t start_s, int64_t step_s, const double* values, size_t n,
                                              size_t period, int cumulative, joule_anomaly* out, size_t cap,
                                              size_t* count);

/* Metrics (docs/forecast.md): MAPE [%], pinball loss, Winkler score. */
JOULE_API joule_status joule_forecast_mape(const double* actual, const double* forecast, size_t n, double* out);
JOULE_API joule_status joule_forecast_pinball(const double* actual, const double* quantile, size_t n, double tau,
                                              double* out);
JOULE_API joule_status joule_forecast_winkler(const double* actual, const double* lo, const double* hi, size_t n,
                                              double alpha, double* out);

#ifdef __cplusplus
}
#endif

#endif /* JOULE_FORECAST_H */
