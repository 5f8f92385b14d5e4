// joule/carbon/cases.hpp: the JSON face of the carbon calculators.
//
// Reads the `inputs` object of a `joule-carbon-testcase/1` document (see
// docs/carbon.md) and returns one JSON object with the layout of its
// `expected` block. Used by the CLI (`joule carbon <family> --input CASE.json`),
// the C API and Python, so all faces give the same numbers.
//
// Example:
//   auto out = joule::carbon::run_case_json("scope2", inputs_json_text);   // std::string
//   auto any = joule::carbon::run_case_document(whole_case_file_text);     // family from the file
#pragma once

#include <string>
#include <string_view>

#include "joule/core/result.hpp"

namespace joule::carbon {

/// family: "scope2", "cfe", "flowtrace", "certs" (or "certificates"), "shift".
/// inputs_json: the `inputs` object (a whole case document is accepted too: its `inputs` is used).
/// Errors: malformed (not JSON / missing field), unsupported (unknown family), and the calculators' errors.
Result<std::string> run_case_json(std::string_view family, std::string_view inputs_json);
/// A whole case document: the family is read from its `family` field.
Result<std::string> run_case_document(std::string_view case_json);

}  // namespace joule::carbon
