/* Forecast a day of half-hourly load from C with 80 % intervals. */
#include <math.h>
#include <stdio.h>

#include "joule.h"

int main(void) {
  enum { N = 48 * 21, H = 48 };
  static double y[N];
  double mean[H], q[2 * H], levels[2] = {0.1, 0.9};
  joule_forecast_options o;
  size_t i;
  for (i = 0; i < N; ++i)
    y[i] = 30000.0 + 5000.0 * sin(2.0 * 3.14159265 * (double)(i % 48) / 48.0) - ((i / 48) % 7 >= 5 ? 3000.0 : 0.0);
  joule_forecast_options_init(&o);
  if (joule_forecast(&o, 1700000000, 1800, y, N, H, levels, 2, mean, q) != JOULE_OK) {
    fprintf(stderr, "forecast failed: %s\n", joule_last_error());
    return 1;
  }
  for (i = 0; i < H; i += 12) printf("step %2u: mean %.0f MW, 80%% interval [%.0f, %.0f]\n", (unsigned)i, mean[i], q[i], q[H + i]);
  return 0;
}
