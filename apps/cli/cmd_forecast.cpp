// `joule forecast` and `joule anomalies`: CSV in, CSV out.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "format.hpp"
#include "joule/core/civil.hpp"
#include "joule/forecast/anomaly.hpp"
#include "joule/forecast/forecast.hpp"

namespace joule::cli {
namespace {

// "2000-06-05T00:30:00" (naive = UTC), with "Z" or "+hh:mm", a space instead
// of 'T', or integer epoch seconds.
Result<std::int64_t> parse_time(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789-") == std::string::npos && s.find('-', 1) == std::string::npos)
    return static_cast<std::int64_t>(std::stoll(s));
  int y, mo, d, h = 0, mi = 0, se = 0;
  char sep = 'T';
  int used = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d%c%d:%d:%d%n", &y, &mo, &d, &sep, &h, &mi, &se, &used) < 3)
    return fail(Errc::malformed, "timestamp is not ISO 8601");
  if (used == 0) {
    int u2 = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%d%c%d:%d%n", &y, &mo, &d, &sep, &h, &mi, &u2) >= 6) used = u2;
    else used = static_cast<int>(s.size());
  }
  std::int32_t off = 0;
  std::string rest = used > 0 && static_cast<std::size_t>(used) < s.size() ? s.substr(static_cast<std::size_t>(used)) : "";
  if (!rest.empty() && rest[0] == '.') rest = rest.substr(rest.find_first_not_of(".0123456789") == std::string::npos ? rest.size() : rest.find_first_not_of(".0123456789"));
  if (!rest.empty() && rest != "Z") {
    int oh = 0, om = 0;
    if (std::sscanf(rest.c_str() + 1, "%d:%d", &oh, &om) < 1) return fail(Errc::malformed, "bad UTC offset in timestamp");
    off = (oh * 3600 + om * 60) * (rest[0] == '-' ? -1 : 1);
  }
  CivilTime c{y, static_cast<std::uint8_t>(mo), static_cast<std::uint8_t>(d), static_cast<std::uint8_t>(h),
              static_cast<std::uint8_t>(mi), static_cast<std::uint8_t>(se)};
  return to_unix_seconds(c, off);
}

std::string format_time(std::int64_t t) {
  const CivilTime c = civil_from_unix_seconds(t);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", c.year, c.month, c.day, c.hour, c.minute, c.second);
}

struct Table {
  std::vector<std::int64_t> times;
  std::vector<std::string> names;            // value column names
  std::vector<std::vector<double>> columns;  // per value column
};

// Reads "timestamp,col1,col2,...": header row required; empty or NaN cells are missing.
Result<Table> read_csv(const std::string& path, int& exit_code) {
  std::ifstream f(path);
  if (!f) {
    exit_code = kExitInput;
    return fail(Errc::io_error, "cannot open the CSV file");
  }
  Table t;
  std::string line;
  if (!std::getline(f, line)) return fail(Errc::malformed, "CSV file is empty");
  {
    std::stringstream ss(line);
    std::string cell;
    std::getline(ss, cell, ',');
    while (std::getline(ss, cell, ',')) {
      while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ')) cell.pop_back();
      t.names.push_back(cell);
    }
  }
  if (t.names.empty()) return fail(Errc::malformed, "CSV needs a timestamp and at least one value column");
  t.columns.resize(t.names.size());
  std::size_t row = 0;
  while (std::getline(f, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string cell;
    std::getline(ss, cell, ',');
    auto tm = parse_time(cell);
    if (!tm) return fail(Error(tm.error().code, tm.error().message, Where::at_index(row, "row")));
    t.times.push_back(*tm);
    for (std::size_t c = 0; c < t.names.size(); ++c) {
      double v = std::numeric_limits<double>::quiet_NaN();
      if (std::getline(ss, cell, ',') && !cell.empty() && cell != "NaN" && cell != "nan" && cell != "NA") {
        char* end = nullptr;
        v = std::strtod(cell.c_str(), &end);
        if (end == cell.c_str()) return fail(Errc::malformed, "value is not a number", Where::at_index(row, "row"));
      }
      t.columns[c].push_back(v);
    }
  }
  return t;
}

// Regular grid from the timestamps (step = smallest positive difference); missing rows become NaN.
Result<TimeSeries> to_series(const Table& t, std::size_t col) {
  if (t.times.size() < 3) return fail(Errc::invalid_argument, "need at least 3 rows");
  std::int64_t step = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 1; i < t.times.size(); ++i) {
    const std::int64_t d = t.times[i] - t.times[i - 1];
    if (d <= 0) return fail(Errc::invalid_argument, "timestamps must increase", Where::at_index(i + 1, "row"));
    step = std::min(step, d);
  }
  const std::int64_t start = t.times.front();
  const std::size_t n = static_cast<std::size_t>((t.times.back() - start) / step) + 1;
  std::vector<double> v(n, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < t.times.size(); ++i) {
    if ((t.times[i] - start) % step != 0) return fail(Errc::invalid_argument, "timestamps are not on one grid", Where::at_index(i + 1, "row"));
    v[static_cast<std::size_t>((t.times[i] - start) / step)] = t.columns[col][i];
  }
  return TimeSeries::make(start, step, std::move(v));
}

std::vector<double> parse_list(const std::string& s, bool& ok) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string cell;
  ok = true;
  while (std::getline(ss, cell, ',')) {
    char* end = nullptr;
    const double v = std::strtod(cell.c_str(), &end);
    if (end == cell.c_str()) ok = false;
    out.push_back(v);
  }
  return out;
}

}  // namespace

void register_forecast(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "forecast",
      "Forecast a series with quantiles; writes CSV timestamp,mean,q<level>...\n"
      "  input: CSV 'timestamp,value' (ISO 8601, naive = UTC; empty cell = missing)\n"
      "  example: joule forecast --input load.csv --horizon 48 --quantiles 0.1,0.5,0.9\n"
      "  example: joule forecast --input pv.csv --horizon 96 --model mstl --non-negative\n"
      "  example: joule forecast --input load.csv --horizon 24 --model ridge --regressors temp.csv");
  static std::string input, output, model = "auto", quantiles = "0.1,0.5,0.9", regressors, periods;
  static std::size_t horizon = 0;
  static bool non_negative = false;
  static Format format = Format::csv;
  cmd->add_option("--input", input, "CSV file: timestamp,value[,value2,...] (every value column is a series)")->required();
  add_format_option(cmd, format,
                    "one row per forecast step: timestamp, [series,] mean, q<level>... (series when the input "
                    "has several value columns)");
  cmd->add_option("--horizon", horizon, "steps to forecast")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--model", model,
                  "auto | snaive | ets | ets(FORM) | dshw | mstl | ridge | qreg; FORM as R's ets: error A|M|Z, "
                  "trend N|A|Ad|Z, season N|A|M|Z, e.g. 'ets(M,Ad,M)' or 'ets(ZZZ)'")
      ->check([](const std::string& s) {
        forecast::ModelOptions o;
        auto st = forecast::parse_model(s, o);
        return st ? std::string() : std::string(st.error().message);
      });
  cmd->add_option("--quantiles", quantiles, "comma-separated levels in (0,1)");
  cmd->add_option("--regressors", regressors,
                  "CSV timestamp,x1,...: rows for the history AND the horizon (ridge, qreg)");
  cmd->add_option("--periods", periods, "seasonal periods in steps, e.g. 48,336 (default: a day and a week)");
  cmd->add_option("--output", output, "output CSV (default: stdout)");
  cmd->add_flag("--non-negative", non_negative, "clip forecasts and quantiles at 0 (PV, load)");
  cmd->callback([] {
    int code = kExitFailure;
    auto t = read_csv(input, code);
    if (!t) {
      report(t.error(), "forecast: " + input);
      std::exit(code);
    }
    auto y = to_series(*t, 0);
    if (!y) std::exit(report(y.error(), "forecast: " + input));
    bool ok = true;
    auto levels = parse_list(quantiles, ok);
    if (!ok) std::exit(report(Error(Errc::invalid_argument, "--quantiles is not a list of numbers"), "forecast"));
    forecast::ModelOptions o;
    (void)forecast::parse_model(model, o);  // validated by --model's check
    o.non_negative = non_negative;
    if (!periods.empty()) {
      auto p = parse_list(periods, ok);
      if (!ok) std::exit(report(Error(Errc::invalid_argument, "--periods is not a list of numbers"), "forecast"));
      for (double v : p) o.periods.push_back(static_cast<std::size_t>(v));
    }
    forecast::Features x, fut;
    const forecast::Features* xp = nullptr;
    const forecast::Features* fp = nullptr;
    if (!regressors.empty()) {
      auto r = read_csv(regressors, code);
      if (!r) {
        report(r.error(), "forecast: " + regressors);
        std::exit(code);
      }
      // Rows keyed by time: history rows, then the horizon.
      for (std::size_t c = 0; c < r->names.size(); ++c) {
        std::vector<double> hist(y->size(), std::numeric_limits<double>::quiet_NaN()), f(horizon, std::numeric_limits<double>::quiet_NaN());
        for (std::size_t i = 0; i < r->times.size(); ++i) {
          const std::int64_t d = r->times[i] - y->start();
          if (d < 0 || d % y->step() != 0) continue;
          const auto k = static_cast<std::size_t>(d / y->step());
          if (k < y->size()) hist[k] = r->columns[c][i];
          else if (k - y->size() < horizon) f[k - y->size()] = r->columns[c][i];
        }
        x.names.push_back(r->names[c]);
        x.columns.push_back(std::move(hist));
        fut.names.push_back(r->names[c]);
        fut.columns.push_back(std::move(f));
      }
      for (const auto& c : fut.columns)
        for (double v : c)
          if (std::isnan(v)) std::exit(report(Error(Errc::invalid_argument, "regressors do not cover the horizon"), "forecast"));
      xp = &x;
      fp = &fut;
    }
    // One series per value column (a fleet in one file); the first column's grid is the reference.
    OutputTable out;
    const bool many = t->names.size() > 1;
    Progress progress("forecast", t->names.size());
    for (std::size_t col = 0; col < t->names.size(); ++col) {
      auto yc = col == 0 ? std::move(y) : to_series(*t, col);
      if (!yc) std::exit(report(yc.error(), "forecast: " + input + ": column '" + t->names[col] + "'"));
      auto fc = forecast::fit_predict(*yc, horizon, levels, o, xp, fp);
      if (!fc) std::exit(report(fc.error(), many ? "forecast: column '" + t->names[col] + "'" : "forecast"));
      std::vector<std::span<const double>> paths;
      for (double l : levels) paths.push_back(*fc->quantile(l));
      for (std::size_t h = 0; h < fc->mean.size(); ++h) {
        const std::size_t row = out.rows.size();
        out.set(row, "timestamp", text_cell(format_time(fc->start_s + static_cast<std::int64_t>(h) * fc->step_s)));
        if (many) out.set(row, "series", text_cell(t->names[col]));
        out.set(row, "mean", Cell{fmt::format("{:.6g}", fc->mean[h])});
        for (std::size_t k = 0; k < paths.size(); ++k)
          out.set(row, fmt::format("q{}", levels[k]), Cell{fmt::format("{:.6g}", paths[k][h])});
      }
      progress.advance();
    }
    progress.finish();
    if (output.empty()) {
      emit(out, format);
    } else {
      std::FILE* of = std::fopen(output.c_str(), "w");
      if (!of) {
        fmt::print(stderr, "joule: forecast: cannot write '{}' (check the directory exists)\n", output);
        std::exit(kExitInput);
      }
      emit(out, format, of);
      std::fclose(of);
    }
  });

  auto* an = app.add_subcommand("anomalies",
                                "Detect anomalies in a meter series; writes CSV timestamp,index,score,kind.\n"
                                "  example: joule anomalies --input load.csv\n"
                                "  example: joule anomalies --input register.csv --cumulative");
  static std::string an_input;
  static bool cumulative = false;
  static std::size_t period = 0;
  static Format an_format = Format::csv;
  an->add_option("--input", an_input, "CSV file: timestamp,value")->required();
  add_format_option(an, an_format, "one row per anomaly: timestamp, index, score, kind");
  an->add_option("--period", period, "seasonal period in steps (default: a week, or a day for short series)");
  an->add_flag("--cumulative", cumulative, "the values are a cumulative register");
  an->callback([] {
    int code = kExitFailure;
    auto t = read_csv(an_input, code);
    if (!t) {
      report(t.error(), "anomalies: " + an_input);
      std::exit(code);
    }
    auto y = to_series(*t, 0);
    if (!y) std::exit(report(y.error(), "anomalies"));
    forecast::AnomalyOptions o;
    o.period = period;
    o.cumulative = cumulative;
    auto a = forecast::detect_anomalies(*y, o);
    if (!a) std::exit(report(a.error(), "anomalies"));
    OutputTable out;
    out.header = {"timestamp", "index", "score", "kind"};
    for (const auto& x : *a)
      out.rows.push_back({text_cell(format_time(x.time_s)), int_cell(static_cast<std::int64_t>(x.index)),
                          Cell{fmt::format("{:.4g}", x.score)}, text_cell(std::string(forecast::anomaly_kind_name(x.kind)))});
    emit(out, an_format);
  });
}

}  // namespace joule::cli
