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

class Registry;
struct RegistrySetup;
/// A registry setup from the `setup` object of a certificates case (accepted_markets, consumption_wh,
/// storage, lifetime_s). Errors: malformed (with the field).
Result<RegistrySetup> registry_setup_from_json(std::string_view setup_json);
/// Applies one operation object of a certificates case ({"op": "issue", ...}) and returns
/// {"op", "ok", "error", "result"} as JSON text; a business-rule rejection is ok=false with its
/// code in "error", not an Error. Errors: malformed (not an operation: missing/wrong field).
Result<std::string> registry_apply_json(Registry& reg, std::string_view op_json);
/// The registry's state as JSON text: {"final_state": {...}, "claims_wh": {...}} (case layout).
std::string registry_state_json(const Registry& reg);

}  // namespace joule::carbon
