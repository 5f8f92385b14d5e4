/* C API of the forecast module, from C99. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "joule.h"
#include "check.h"

#define N (48 * 14)
#define H 48

int main(void) {
  static double y[N];
  double mean[H], q[2 * H], levels[2] = {0.9, 0.1};
  size_t i, len = 0, count = 0;
  char name[64];
  joule_forecast_options o;
  joule_forecaster* f = NULL;
  joule_anomaly an[64];
  const double pi = 3.14159265358979;

  for (i = 0; i < N; ++i) y[i] = 100.0 + 20.0 * sin(2.0 * pi * (double)(i % 48) / 48.0) + (double)(i % 7) * 0.1;

  /* Seasonal naive: the last day again, caller's level order kept. */
  joule_forecast_options_init(&o);
  o.model = JOULE_FORECAST_SEASONAL_NAIVE;
  {
    size_t periods[1] = {48};
    o.periods = periods;
    o.n_periods = 1;
    CHECK(joule_forecast(&o, 0, 1800, y, N, H, levels, 2, mean, q) == JOULE_OK);
  }
  CHECK(mean[0] == y[N - 48]);
  CHECK(mean[47] == y[N - 1]);
  CHECK(q[0] > mean[0]);      /* row 0 is level 0.9 */
  CHECK(q[H] < mean[0]);      /* row 1 is level 0.1 */

  /* Handle-based automatic model. */
  joule_forecast_options_init(&o);
  CHECK(joule_forecaster_create(&o, &f) == JOULE_OK);
  CHECK(joule_forecaster_predict(f, H, levels, 2, mean, q) == JOULE_INVALID_ARGUMENT); /* not fitted */
  CHECK(joule_forecaster_fit(f, 0, 1800, y, N) == JOULE_OK);
  CHECK(joule_forecaster_predict(f, H, levels, 2, mean, q) == JOULE_OK);
  CHECK(fabs(mean[12] - y[N - 48 + 12]) < 2.0);
  CHECK(joule_forecaster_describe(f, name, sizeof name, &len) == JOULE_OK);
  CHECK(strncmp(name, "auto:", 5) == 0);
  CHECK(joule_forecaster_describe(f, name, 3, &len) == JOULE_BUFFER_TOO_SMALL);
  levels[0] = 1.5;
  CHECK(joule_forecaster_predict(f, H, levels, 2, mean, q) == JOULE_INVALID_ARGUMENT);
  CHECK(strlen(joule_last_error()) > 0);
  joule_forecaster_destroy(f);

  /* ETS with a multiplicative season on a series whose weekly swing grows
     with its level: the requested form is fitted and continues the pattern. */
  {
    static const double season[7] = {1.25, 1.20, 1.15, 1.10, 1.05, 0.70, 0.55};
    static double d[7 * 16];
    size_t periods[1] = {7};
    for (i = 0; i < 7 * 16; ++i) d[i] = (100.0 + 2.0 * (double)i) * season[i % 7];
    joule_forecast_options_init(&o);
    o.model = JOULE_FORECAST_ETS;
    o.ets_form = "M,A,M";
    o.periods = periods;
    o.n_periods = 1;
    levels[0] = 0.9;
    CHECK(joule_forecaster_create(&o, &f) == JOULE_OK);
    CHECK(joule_forecaster_fit(f, 0, 86400, d, 7 * 16) == JOULE_OK);
    CHECK(joule_forecaster_predict(f, 7, levels, 2, mean, q) == JOULE_OK);
    CHECK(joule_forecaster_describe(f, name, sizeof name, &len) == JOULE_OK);
    CHECK(strcmp(name, "ets(M,A,M)") == 0);
    for (i = 0; i < 7; ++i) CHECK(fabs(mean[i] / ((100.0 + 2.0 * (double)(112 + i)) * season[i % 7]) - 1.0) < 0.01);
    joule_forecaster_destroy(f);
    d[3] = 0.0; /* multiplicative forms need positive data */
    CHECK(joule_forecaster_create(&o, &f) == JOULE_OK);
    CHECK(joule_forecaster_fit(f, 0, 86400, d, 7 * 16) == JOULE_INVALID_ARGUMENT);
    joule_forecaster_destroy(f);
    o.ets_form = "A,N,M"; /* additive error with a multiplicative season: refused */
    CHECK(joule_forecaster_create(&o, &f) == JOULE_INVALID_ARGUMENT);
    CHECK(strstr(joule_last_error(), "ets_form") != NULL);
  }

  /* Bad options are rejected. */
  joule_forecast_options_init(&o);
  o.model = (joule_forecast_model)42;
  CHECK(joule_forecaster_create(&o, &f) == JOULE_INVALID_ARGUMENT);
  o.struct_size = 4;
  CHECK(joule_forecaster_create(&o, &f) == JOULE_INVALID_ARGUMENT);

  /* Price model with and without GARCH-scaled quantiles: same mean and median,
     wider 90 % band right after a volatile end of the history. */
  {
    static double price[24 * 30];
    double pm[24], pq[3 * 24], gm[24], gq[3 * 24], plv[3] = {0.05, 0.5, 0.95};
    unsigned s = 12345u;
    for (i = 0; i < 24 * 30; ++i) {
      s = s * 1103515245u + 12345u;
      const size_t day = i / 24;
      const double amp = (day >= 8 && day < 12) || (day >= 20 && day < 23) ? 16.0 : 4.0; /* calm and volatile spells */
      price[i] = 40.0 + 15.0 * sin(2.0 * pi * (double)(i % 24) / 24.0) + ((double)(s >> 16 & 0x7fff) / 32768.0 - 0.5) * amp;
    }
    for (i = 24 * 30 - 6; i < 24 * 30; ++i) price[i] += (i % 2 ? 25.0 : -25.0);
    CHECK(joule_forecast_price(0, 3600, price, 24 * 30, 24, 0, 24, plv, 3, pm, pq) == JOULE_OK);
    CHECK(joule_forecast_price(0, 3600, price, 24 * 30, 24, 1, 24, plv, 3, gm, gq) == JOULE_OK);
    CHECK(fabs(pm[0] - gm[0]) < 1e-9);
    CHECK(fabs(pq[24] - gq[24]) < 1e-9);                       /* median row unscaled */
    CHECK(gq[2 * 24] - gq[0] > pq[2 * 24] - pq[0]);            /* wider first hour */
    CHECK(joule_forecast_price(0, 3600, price, 24 * 3, 24, 1, 24, plv, 3, gm, gq) == JOULE_INVALID_ARGUMENT);
  }

  /* Anomalies: a zero reading and a stuck run. */
  y[300] = 0.0;
  for (i = 400; i < 410; ++i) y[i] = y[400];
  CHECK(joule_detect_anomalies(0, 1800, y, N, 48, 0, an, 64, &count) == JOULE_OK);
  {
    int zero = 0, stuck = 0;
    for (i = 0; i < count && i < 64; ++i) {
      if (an[i].kind == JOULE_ANOMALY_ZERO && an[i].index == 300) zero = 1;
      if (an[i].kind == JOULE_ANOMALY_STUCK && an[i].index == 405) stuck = 1;
    }
    CHECK(zero);
    CHECK(stuck);
  }
  CHECK(joule_detect_anomalies(0, 1800, y, N, 48, 0, an, 0, &count) == JOULE_BUFFER_TOO_SMALL);

  /* Metrics. */
  {
    double a[3] = {100, 200, 50}, fc[3] = {110, 180, 50}, lo[3] = {95, 150, 55}, hi[3] = {105, 250, 60}, v = 0;
    CHECK(joule_forecast_mape(a, fc, 3, &v) == JOULE_OK && fabs(v - 20.0 / 3.0) < 1e-9);
    CHECK(joule_forecast_winkler(a, lo, hi, 3, 0.2, &v) == JOULE_OK && fabs(v - 55.0) < 1e-9);
    CHECK(joule_forecast_pinball(a, fc, 3, 0.0, &v) == JOULE_INVALID_ARGUMENT);
  }

  return check_report("forecast");
}
