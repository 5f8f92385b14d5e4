// Output formats, input checks and progress bars shared by every `joule` command.
//
// Commands produce their result as JSON text (the schema each module documents)
// or as a table; `--format json|csv|table` picks how it is printed:
//
//   Format fmt = Format::json;
//   add_format_option(cmd, fmt, "one row per step: step, grid_import_kw, ...");
//   TableSpec spec{{{"/schedule"}, {"/certificate/pi"}}, {"peak_kw"}, "step"};
//   emit(json_text, fmt, spec);      // JSON as is, CSV (RFC 4180) or an aligned table
//
// Progress bars go to stderr only when stderr is a terminal, the work takes
// longer than a second, and neither --quiet nor --no-progress was given.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace joule::cli {

enum class Format { json, csv, table };

/// Adds `--format json|csv|table` to `cmd` (default: the value `f` holds).
/// `rows` says what one CSV/table row is for this command (shown in --help).
CLI::Option* add_format_option(CLI::App* cmd, Format& f, const std::string& rows);

/// One cell: `text` is the JSON literal for numbers/booleans/null, the plain text for strings.
struct Cell {
  std::string text;
  bool quoted = false;  ///< a string (quoted in JSON, left-aligned in tables)
};

/// A result shaped as rows and named columns.
struct OutputTable {
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
  std::size_t column(const std::string& name);  ///< index of `name`, appended when new
  void set(std::size_t row, const std::string& name, Cell c);
};

Cell number_cell(double v);
Cell int_cell(std::int64_t v);
Cell text_cell(std::string s);

/// Where the rows of a JSON result are. Each source is a JSON pointer into the result:
///  - an array of objects: one row per element, nested members flattened as "a.b";
///  - an array of scalars: one column (named `name`, default the pointer's last token),
///    element `offset` goes to row 0;
///  - an object whose members are arrays: one column per array member (columnar data);
///  - an object whose members are objects: one row per member, its key in column `name`;
///  - any other object: one row.
/// Sources are joined by row index. An empty spec means {"" } (the whole result).
struct TableSpec {
  struct Source {
    std::string pointer;
    std::string name = {};
    std::size_t offset = 0;
    bool per_member = false;  ///< an object: one row per member (key in `name`, scalar in `value_name`)
    std::string value_name = "value";
  };
  std::vector<Source> sources;
  std::vector<std::string> skip = {};  ///< member names left out
  std::string index_name = {};         ///< when set, a first column counting rows from 0
  std::vector<std::string> inherit = {};  ///< top-level members repeated on every row
};

/// Builds the table of a JSON result (see TableSpec); `ok` is false when the text is not JSON.
OutputTable table_from_json(const std::string& json_text, const TableSpec& spec, bool& ok);

/// Appends the rows of `json_text` (per `spec`) to `t`, each prefixed with `prefix` cells.
void append_rows(OutputTable& t, const std::string& json_text, const TableSpec& spec,
                 const std::vector<std::pair<std::string, Cell>>& prefix = {});

std::string render_csv(const OutputTable& t);
std::string render_table(const OutputTable& t);
std::string render_json(const OutputTable& t);  ///< an array of row objects

/// Prints a JSON result (as is for json, per `spec` for csv/table) to `out`.
void emit(const std::string& json_text, Format f, const TableSpec& spec = {}, std::FILE* out = stdout);
/// Prints a table (json = array of row objects) to `out`.
void emit(const OutputTable& t, Format f, std::FILE* out = stdout);

/// Global switches (set by main from --quiet / --no-progress).
struct Globals {
  bool quiet = false;
  bool no_progress = false;
};
Globals& globals();

/// Reads a whole file ('-' = stdin). On failure prints "joule: <context>: cannot read '<path>': <reason>"
/// and returns false (the caller exits with kExitInput).
bool read_file(const std::string& path, std::string& out, const std::string& context);

/// Checks that `text` is JSON; on failure prints "joule: <context>: <path>:<line>:<column>: not valid
/// JSON: <what>" and returns false (the caller exits with kExitFailure).
bool check_json(const std::string& text, const std::string& path, const std::string& context);

/// "line L, column C" of byte `offset` in `text` (1-based).
std::string line_column(const std::string& text, std::size_t offset);

/// A progress bar on stderr: shown only when stderr is a TTY, progress is not switched off, and
/// the work has run for a second. `total == 0` shows a spinner with the elapsed time.
class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void advance(std::size_t n = 1);
  void finish();
  /// True when bars would be drawn (TTY and not switched off).
  static bool enabled();

 private:
  void draw(bool final_line);
  std::string label_;
  std::size_t total_;
  std::atomic<std::size_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  double after_s_ = 1.0;  ///< draw only once the work has run this long
  bool shown_ = false;
  bool finished_ = false;
  bool enabled_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;  ///< redraws a spinner for work without steps (total == 0)
};

}  // namespace joule::cli
