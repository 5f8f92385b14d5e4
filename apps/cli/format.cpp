// Output formats, input checks and progress bars of the joule CLI (see format.hpp).
#include "format.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace joule::cli {

using nlohmann::ordered_json;

CLI::Option* add_format_option(CLI::App* cmd, Format& f, const std::string& rows) {
  const char* def = f == Format::json ? "json" : f == Format::csv ? "csv" : "table";
  return cmd
      ->add_option_function<std::string>(
          "--format",
          [&f](const std::string& s) { f = s == "json" ? Format::json : s == "csv" ? Format::csv : Format::table; },
          std::string("output format (default ") + def + "); csv/table: " + rows)
      ->check(CLI::IsMember({"json", "csv", "table"}));
}

std::size_t OutputTable::column(const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  header.push_back(name);
  return header.size() - 1;
}

void OutputTable::set(std::size_t row, const std::string& name, Cell c) {
  const std::size_t col = column(name);
  if (rows.size() <= row) rows.resize(row + 1);
  if (rows[row].size() <= col) rows[row].resize(col + 1);
  rows[row][col] = std::move(c);
}

Cell number_cell(double v) {
  if (!std::isfinite(v)) return Cell{"null", false};
  return Cell{ordered_json(v).dump(), false};
}
Cell int_cell(std::int64_t v) { return Cell{std::to_string(v), false}; }
Cell text_cell(std::string s) { return Cell{std::move(s), true}; }

namespace {

Cell cell_of(const ordered_json& v) {
  if (v.is_string()) return text_cell(v.get<std::string>());
  if (v.is_null()) return Cell{"", false};
  if (v.is_structured()) return text_cell(v.dump());
  return Cell{v.dump(), false};
}

bool skipped(const TableSpec& spec, const std::string& name) {
  return std::find(spec.skip.begin(), spec.skip.end(), name) != spec.skip.end();
}

// Flattens nested objects into "a.b" columns of one row; arrays stay JSON text.
void flatten(OutputTable& t, std::size_t row, const std::string& prefix, const ordered_json& v, const TableSpec& spec) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (skipped(spec, it.key())) continue;
      flatten(t, row, prefix.empty() ? it.key() : prefix + "." + it.key(), it.value(), spec);
    }
    return;
  }
  if (v.is_null() && !prefix.empty()) return;  // an absent member: the cell stays empty
  t.set(row, prefix.empty() ? "value" : prefix, cell_of(v));
}

std::string last_token(const std::string& pointer) {
  const auto p = pointer.rfind('/');
  return p == std::string::npos ? pointer : pointer.substr(p + 1);
}

void add_source(OutputTable& t, std::size_t base, const ordered_json& v, const TableSpec::Source& s, const TableSpec& spec) {
  if (v.is_array()) {
    const bool records = !v.empty() && std::all_of(v.begin(), v.end(), [](const ordered_json& e) { return e.is_object(); });
    for (std::size_t i = s.offset; i < v.size(); ++i) {
      if (records) flatten(t, base + i - s.offset, "", v[i], spec);
      else t.set(base + i - s.offset, s.name.empty() ? last_token(s.pointer) : s.name, cell_of(v[i]));
    }
    return;
  }
  if (v.is_object() && s.per_member) {
    std::size_t i = 0;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (skipped(spec, it.key())) continue;
      t.set(base + i, s.name.empty() ? "key" : s.name, text_cell(it.key()));
      if (it.value().is_object()) flatten(t, base + i, "", it.value(), spec);
      else t.set(base + i, s.value_name, cell_of(it.value()));
      ++i;
    }
    return;
  }
  if (v.is_object()) {
    bool any_array = false, all_objects = !v.empty();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (skipped(spec, it.key())) continue;
      any_array = any_array || it.value().is_array();
      all_objects = all_objects && it.value().is_object();
    }
    if (any_array) {  // columnar: one column per array member
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!it.value().is_array() || skipped(spec, it.key())) continue;
        const auto& a = it.value();
        for (std::size_t i = s.offset; i < a.size(); ++i) t.set(base + i - s.offset, it.key(), cell_of(a[i]));
      }
      return;
    }
    if (all_objects) {  // keyed records: one row per member
      std::size_t i = 0;
      for (auto it = v.begin(); it != v.end(); ++it, ++i) {
        if (skipped(spec, it.key())) continue;
        t.set(base + i, s.name.empty() ? "key" : s.name, text_cell(it.key()));
        flatten(t, base + i, "", it.value(), spec);
      }
      return;
    }
    flatten(t, base, "", v, spec);
    return;
  }
  t.set(base, s.name.empty() ? "value" : s.name, cell_of(v));
}

void pad_rows(OutputTable& t) {
  for (auto& r : t.rows) r.resize(t.header.size());
}

}  // namespace

void append_rows(OutputTable& t, const std::string& json_text, const TableSpec& spec,
                 const std::vector<std::pair<std::string, Cell>>& prefix) {
  const auto doc = ordered_json::parse(json_text, nullptr, false);
  if (doc.is_discarded()) return;
  const std::size_t base = t.rows.size();
  for (const auto& [name, c] : prefix) t.column(name);
  OutputTable part;
  std::vector<TableSpec::Source> sources = spec.sources;
  if (sources.empty()) sources.push_back({""});
  for (const auto& s : sources) {
    const ordered_json::json_pointer p(s.pointer);
    if (!doc.contains(p)) continue;
    add_source(part, 0, doc.at(p), s, spec);
  }
  if (!spec.index_name.empty()) t.column(spec.index_name);
  for (const auto& name : spec.inherit) t.column(name);
  for (std::size_t r = 0; r < part.rows.size(); ++r) {
    for (const auto& [name, c] : prefix) t.set(base + r, name, c);
    for (const auto& name : spec.inherit)
      t.set(base + r, name, doc.is_object() && doc.contains(name) ? cell_of(doc[name]) : Cell{});
    if (!spec.index_name.empty()) t.set(base + r, spec.index_name, int_cell(static_cast<std::int64_t>(r)));
    for (std::size_t c = 0; c < part.rows[r].size(); ++c) t.set(base + r, part.header[c], part.rows[r][c]);
  }
  pad_rows(t);
}

OutputTable table_from_json(const std::string& json_text, const TableSpec& spec, bool& ok) {
  ok = ordered_json::accept(json_text);
  OutputTable t;
  if (ok) append_rows(t, json_text, spec);
  return t;
}

std::string render_csv(const OutputTable& t) {
  auto quote = [](const Cell& c) {
    if (!c.quoted || c.text.find_first_of(",\"\r\n") == std::string::npos) return c.text;
    std::string q = "\"";
    for (char ch : c.text) {
      if (ch == '"') q += '"';
      q += ch;
    }
    return q + "\"";
  };
  std::string out;
  for (std::size_t i = 0; i < t.header.size(); ++i) out += (i ? "," : "") + quote(text_cell(t.header[i]));
  out += "\n";
  for (const auto& r : t.rows) {
    for (std::size_t i = 0; i < t.header.size(); ++i) {
      if (i) out += ",";
      if (i < r.size()) out += quote(r[i]);
    }
    out += "\n";
  }
  return out;
}

std::string render_table(const OutputTable& t) {
  constexpr std::size_t kMaxWidth = 40;  // longer cells (hex strings, nested JSON) are cut with "..."
  auto shown = [&](const Cell& c) {
    std::string s = c.text;
    if (!c.quoted && s.size() > 12) {  // numbers: 6 significant digits in the human view
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (end && *end == '\0') s = fmt::format("{:.6g}", v);
    }
    if (s.size() > kMaxWidth) s = s.substr(0, kMaxWidth - 3) + "...";
    return s;
  };
  std::vector<std::size_t> w(t.header.size());
  for (std::size_t i = 0; i < t.header.size(); ++i) w[i] = std::min(kMaxWidth, t.header[i].size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : t.rows) {
    cells.emplace_back();
    for (std::size_t i = 0; i < t.header.size(); ++i) {
      cells.back().push_back(i < r.size() ? shown(r[i]) : "");
      w[i] = std::max(w[i], cells.back().back().size());
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& v, const std::vector<Cell>* src) {
    std::string l;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const bool right = src && i < src->size() && !(*src)[i].quoted;
      const std::string pad(w[i] - std::min(w[i], v[i].size()), ' ');
      l += (i ? "  " : "") + (right ? pad + v[i] : v[i] + pad);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::vector<std::string> head;
  for (const auto& h : t.header) head.push_back(h.size() > kMaxWidth ? h.substr(0, kMaxWidth - 3) + "..." : h);
  line(head, nullptr);
  std::vector<std::string> rule;
  for (auto x : w) rule.emplace_back(x, '-');
  line(rule, nullptr);
  for (std::size_t r = 0; r < cells.size(); ++r) line(cells[r], &t.rows[r]);
  return out;
}

std::string render_json(const OutputTable& t) {
  ordered_json a = ordered_json::array();
  for (const auto& r : t.rows) {
    ordered_json o = ordered_json::object();
    for (std::size_t i = 0; i < t.header.size(); ++i) {
      if (i >= r.size() || (r[i].text.empty() && !r[i].quoted)) {
        o[t.header[i]] = nullptr;
      } else if (r[i].quoted) {
        o[t.header[i]] = r[i].text;
      } else {
        auto v = ordered_json::parse(r[i].text, nullptr, false);  // "nan"/"inf" are not JSON: null
        o[t.header[i]] = v.is_discarded() ? ordered_json(nullptr) : std::move(v);
      }
    }
    a.push_back(std::move(o));
  }
  return a.dump() + "\n";
}

void emit(const std::string& json_text, Format f, const TableSpec& spec, std::FILE* out) {
  if (f == Format::json) {
    std::string s = json_text;
    if (s.empty() || s.back() != '\n') s += '\n';
    std::fputs(s.c_str(), out);
    return;
  }
  bool ok = false;
  const OutputTable t = table_from_json(json_text, spec, ok);
  emit(t, f, out);
}

void emit(const OutputTable& t, Format f, std::FILE* out) {
  const std::string s = f == Format::json ? render_json(t) : f == Format::csv ? render_csv(t) : render_table(t);
  std::fputs(s.c_str(), out);
}

Globals& globals() {
  static Globals g;
  return g;
}

bool read_file(const std::string& path, std::string& out, const std::string& context) {
  if (path == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    const int err = errno;
    fmt::print(stderr, "joule: {}: cannot read '{}': {} (check the path)\n", context, path,
               err ? std::strerror(err) : "cannot open");
    return false;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

std::string line_column(const std::string& text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return fmt::format("line {}, column {}", line, col);
}

bool check_json(const std::string& text, const std::string& path, const std::string& context) {
  try {
    const auto parsed = ordered_json::parse(text);
    (void)parsed;
    return true;
  } catch (const ordered_json::parse_error& e) {
    // e.byte is 1-based: the byte where the parser stopped.
    const std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while parsing ..."
    std::string what = e.what();
    if (const auto c = what.find("column"); c != std::string::npos)
      if (const auto p = what.find(": ", c); p != std::string::npos) what = what.substr(p + 2);
    fmt::print(stderr, "joule: {}: {}: not valid JSON at {}: {}\n", context, path, line_column(text, at), what);
    return false;
  }
}

bool Progress::enabled() { return !globals().quiet && !globals().no_progress && isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()), enabled_(enabled()) {
  // JOULE_PROGRESS_AFTER_S moves the one-second threshold (the tests draw at once).
  if (const char* a = std::getenv("JOULE_PROGRESS_AFTER_S")) after_s_ = std::strtod(a, nullptr);
  if (enabled_ && total_ == 0) {
    ticker_ = std::thread([this] {
      while (!stop_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (!stop_.load()) draw(false);
      }
    });
  }
}

Progress::~Progress() { finish(); }

void Progress::advance(std::size_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

void Progress::draw(bool final_line) {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!shown_ && s < after_s_) return;  // short work draws nothing
  shown_ = true;
  std::string bar;
  if (total_ > 0) {
    const std::size_t d = std::min(done_.load(), total_);
    const int width = 30;
    const int fill = static_cast<int>(static_cast<double>(d) / static_cast<double>(total_) * width);
    bar = fmt::format("[{}{}] {}/{} ", std::string(static_cast<std::size_t>(fill), '#'),
                      std::string(static_cast<std::size_t>(width - fill), '.'), d, total_);
    if (d > 0 && d < total_) bar += fmt::format("eta {:.0f} s ", s / static_cast<double>(d) * static_cast<double>(total_ - d));
  } else {
    static const char kSpin[] = "|/-\\";
    bar = final_line ? "done " : fmt::format("{} ", kSpin[static_cast<int>(s * 5) % 4]);
  }
  fmt::print(stderr, "\r{} {}{:.1f} s\x1b[K{}", label_, bar, s, final_line ? "\n" : "");
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  stop_ = true;
  if (ticker_.joinable()) ticker_.join();
  if (enabled_ && shown_) draw(true);
}

}  // namespace joule::cli
