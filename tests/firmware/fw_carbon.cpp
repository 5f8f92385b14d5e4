// Firmware entry point of the carbon module: flow tracing of a small grid on device.
#include <cstdint>

#include "joule/carbon/flowtrace_core.hpp"

extern "C" int joule_fw_carbon(volatile const std::uint8_t* input, std::uint32_t n) {
  static joule::carbon::FixedFlowTracer<8, 16> tracer;  // static: keeps the stack small
  double p[4] = {1100, 1000, 500, 800};
  double e[4] = {755100, 13200, 156600, 16600};
  if (n > 0) p[0] += input[0];
  const joule::carbon::CoreFlow f[] = {{0, 2, 300}, {1, 2, 200}, {3, 1, 150}};
  double x[4];
  bool ok[4];
  auto r = tracer.trace(p, e, f, x, ok);
  return r.has_value() ? static_cast<int>(x[2]) : -1;
}
