// The joule command-line tool: each module registers its subcommands here.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "joule/core/error.hpp"

namespace joule::cli {

/// Exit codes (documented in `joule --help` and docs/cli.md); every command uses only these.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,    ///< the input was read and a problem found (decode error, infeasible, bad JSON or field)
  kExitUsage = 2,      ///< bad command line (unknown option, missing argument, value not allowed)
  kExitInput = 3,      ///< a file could not be read or written (the message names the path)
};

/// Prints "joule: <code>: <message> (location)" to stderr and returns kExitFailure.
int report(const Error& e, const std::string& context = {});

/// Subcommand registration, one function per module (defined weak so that the
/// tool links while a module has none yet).
void register_core(CLI::App& app);
void register_meter(CLI::App& app) __attribute__((weak));
void register_forecast(CLI::App& app) __attribute__((weak));
void register_battery(CLI::App& app) __attribute__((weak));
void register_market(CLI::App& app) __attribute__((weak));
void register_carbon(CLI::App& app) __attribute__((weak));

}  // namespace joule::cli
