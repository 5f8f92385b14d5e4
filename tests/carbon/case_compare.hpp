// Comparison of a calculator's JSON output with a case's `expected` block
// (tolerance rule of shared/testdata/carbon/README.md: floats abs + rel, everything else exact).
#pragma once

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <nlohmann/json.hpp>

namespace joule::carbon::test {

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Empty string when equal, else the path of the first difference.
inline std::string json_diff(const nlohmann::json& exp, const nlohmann::json& act, double abs_tol, double rel_tol,
                             const std::string& path = "$") {
  if (exp.is_number() && act.is_number()) {
    if (exp.is_number_integer() && act.is_number_integer())
      return exp.get<long long>() == act.get<long long>() ? "" : path + " (integer " + exp.dump() + " vs " + act.dump() + ")";
    const double e = exp.get<double>(), a = act.get<double>();
    return std::abs(a - e) <= abs_tol + rel_tol * std::abs(e) ? "" : path + " (" + exp.dump() + " vs " + act.dump() + ")";
  }
  if (exp.type() != act.type()) return path + " (type: expected " + exp.dump() + ", got " + act.dump() + ")";
  if (exp.is_object()) {
    if (exp.size() != act.size()) return path + " (object keys differ)";
    for (auto it = exp.begin(); it != exp.end(); ++it) {
      if (!act.contains(it.key())) return path + "." + it.key() + " (missing)";
      auto d = json_diff(it.value(), act.at(it.key()), abs_tol, rel_tol, path + "." + it.key());
      if (!d.empty()) return d;
    }
    return "";
  }
  if (exp.is_array()) {
    if (exp.size() != act.size()) return path + " (array length " + std::to_string(exp.size()) + " vs " + std::to_string(act.size()) + ")";
    for (std::size_t i = 0; i < exp.size(); ++i) {
      auto d = json_diff(exp[i], act[i], abs_tol, rel_tol, path + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  return exp == act ? "" : path + " (" + exp.dump() + " vs " + act.dump() + ")";
}

inline const char* const kCaseIds[] = {
    "scope2_dual_reporting", "scope2_overcoverage", "scope2_no_residual_mix", "cfe_day_no_battery", "cfe_day_battery",
    "cfe_zero_load_edge", "flowtrace_4zone_radial", "flowtrace_3zone_loop", "flowtrace_netting_gross_vs_net",
    "flowtrace_storage_transit_isolated", "certs_lifecycle", "shift_load_marginal_vs_average", "shift_battery_signal_choice",
    "shift_avoided_emissions_units", "shift_weighting_and_alignment"};

}  // namespace joule::carbon::test
