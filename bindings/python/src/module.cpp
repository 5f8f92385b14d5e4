// The extension module joule._joule. Each joule module binds itself in its own
// source (bind_<module>.cpp) into a submodule of the same name; see
// joule/__init__.py for the public package.
#include <string>

#include "bind_common.hpp"
#include "joule/core/error.hpp"

namespace joule::py {

void raise_error(const Error& e) {
  pyb::object raise = pyb::module_::import("joule.errors").attr("_raise");
  pyb::object where = pyb::none();
  switch (e.where.kind) {
    case Where::Kind::byte: where = pyb::make_tuple("byte", e.where.position); break;
    case Where::Kind::field: where = pyb::make_tuple("field", e.where.field ? e.where.field : ""); break;
    case Where::Kind::index:
      where = pyb::make_tuple("index", e.where.position, e.where.field ? e.where.field : "");
      break;
    case Where::Kind::none: break;
  }
  raise(static_cast<int>(e.code), errc_name(e.code), e.message ? e.message : "", where);
  throw pyb::error_already_set();  // _raise always raises
}

}  // namespace joule::py

// Registered by the module sources that exist in this build (weak so a module
// without Python bindings yet does not break the link).
namespace joule::py {
void init_meter(pyb::module_& m) __attribute__((weak));
void init_forecast(pyb::module_& m) __attribute__((weak));
void init_battery(pyb::module_& m) __attribute__((weak));
void init_market(pyb::module_& m) __attribute__((weak));
void init_carbon(pyb::module_& m) __attribute__((weak));
}  // namespace joule::py

PYBIND11_MODULE(_joule, m) {
  m.doc() = "joule's compiled core; use the `joule` package instead.";
  m.attr("__version__") = JOULE_VERSION_INFO;
  joule::py::init_core(m);
  struct Entry {
    const char* name;
    void (*init)(pybind11::module_&);
  };
  const Entry entries[] = {{"meter", joule::py::init_meter},
                           {"forecast", joule::py::init_forecast},
                           {"battery", joule::py::init_battery},
                           {"market", joule::py::init_market},
                           {"carbon", joule::py::init_carbon}};
  for (const auto& e : entries) {
    if (e.init != nullptr) {
      auto sub = m.def_submodule(e.name);
      e.init(sub);
    }
  }
}
