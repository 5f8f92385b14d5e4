// Python binding of the carbon module (submodule joule._joule.carbon); the public
// wrapper with pandas in and out is joule/carbon.py.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_common.hpp"
#include "joule/carbon/cases.hpp"
#include "joule/carbon/cfe.hpp"
#include "joule/carbon/factors.hpp"
#include "joule/carbon/flowtrace.hpp"
#include "joule/carbon/registry.hpp"
#include "joule/carbon/shift.hpp"

namespace joule::py {

namespace {
std::vector<double> vec(const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& a) {
  return std::vector<double>(a.data(), a.data() + a.size());
}
}  // namespace

void init_carbon(pyb::module_& m) {
  m.doc() = "joule carbon accounting (compiled part)";
  m.def(
      "run_case",
      [](const std::string& family, const std::string& json) {
        Result<std::string> r = unexpected<Error>(Error(Errc::internal, "not run"));
        {
          pyb::gil_scoped_release release;
          r = carbon::run_case_json(family, json);
        }
        return unwrap(std::move(r));
      },
      pyb::arg("family"), pyb::arg("inputs_json"), "Run a calculator on case inputs (JSON text); returns JSON text.");
  m.def(
      "to_g_per_kwh",
      [](double v, const std::string& unit) {
        auto u = unwrap(carbon::parse_intensity_unit(unit));
        return unwrap(carbon::to_g_per_kwh(v, u));
      },
      pyb::arg("value"), pyb::arg("unit"));
  m.def(
      "ipcc_ar5_median", [](const std::string& mode) { return unwrap(carbon::ipcc_ar5_lifecycle(mode)).g_per_kwh; },
      pyb::arg("mode"));
  m.def(
      "delta_emissions_kg",
      [](const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& d,
         const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& f) {
        return unwrap(carbon::delta_emissions_kg(vec(d), vec(f)));
      },
      pyb::arg("delta_kwh"), pyb::arg("factor_g_per_kwh"));
  m.def(
      "energy_weighted_intensity",
      [](const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& e,
         const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& i) {
        return unwrap(carbon::energy_weighted_intensity(vec(e), vec(i)));
      },
      pyb::arg("energy_kwh"), pyb::arg("intensity_g_per_kwh"));
  m.def(
      "cfe",
      [](const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& load,
         const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& ppa,
         const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& share, pyb::object ci, pyb::object battery,
         pyb::object schedule) {
        carbon::CfeInput in;
        in.load_kwh = vec(load);
        in.ppa_kwh = vec(ppa);
        in.grid_cfe_share = vec(share);
        if (!ci.is_none()) in.grid_ci_g_per_kwh = ci.cast<std::vector<double>>();
        if (!battery.is_none()) {
          auto b = battery.cast<std::vector<double>>();
          if (b.size() != 4) raise_error(Error(Errc::invalid_argument, "battery = (energy_kwh, power_kw, roundtrip_eff, soc0_kwh)"));
          in.battery = carbon::CfeBattery{b[0], b[1], b[2], b[3]};
        }
        if (!schedule.is_none()) in.battery_schedule_kwh = schedule.cast<std::vector<double>>();
        auto r = unwrap(carbon::compute_cfe(in));
        pyb::dict d;
        d["cfe_score"] = r.cfe_score;
        d["contracted_hourly_match"] = r.contracted_hourly_match;
        d["annual_volumetric_match"] = r.annual_volumetric_match;
        d["grid_supply_kwh"] = r.grid_supply_kwh;
        d["grid_cfe_kwh"] = r.grid_cfe_kwh;
        d["battery_charge_kwh"] = r.battery_charge_kwh;
        d["battery_discharge_kwh"] = r.battery_discharge_kwh;
        d["battery_losses_kwh"] = r.battery_losses_kwh;
        d["ppa_spilled_kwh"] = r.ppa_spilled_kwh;
        d["grid_supply_emissions_kg"] = r.grid_supply_emissions_kg ? pyb::cast(*r.grid_supply_emissions_kg) : pyb::none();
        d["direct_kwh"] = r.hourly.direct_kwh;
        d["charge_kwh"] = r.hourly.charge_kwh;
        d["discharge_kwh"] = r.hourly.discharge_kwh;
        d["grid_kwh"] = r.hourly.grid_kwh;
        d["cfe_kwh"] = r.hourly.cfe_kwh;
        std::vector<double> score;
        for (const auto& s : r.hourly.cfe_score) score.push_back(s ? *s : std::nan(""));
        d["hourly_cfe_score"] = score;
        return d;
      },
      pyb::arg("load_kwh"), pyb::arg("ppa_kwh"), pyb::arg("grid_cfe_share"), pyb::arg("grid_ci_g_per_kwh") = pyb::none(),
      pyb::arg("battery") = pyb::none(), pyb::arg("schedule_kwh") = pyb::none());
  m.def(
      "trace_steps",
      [](std::size_t zones, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& borders,
         const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& production,
         const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& emissions,
         const pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>& flows, int solver) {
        // production/emissions: (steps, zones); flows: (steps, borders). Returns (steps, zones) with NaN = undefined.
        if (production.ndim() != 2 || emissions.ndim() != 2 || flows.ndim() != 2)
          raise_error(Error(Errc::invalid_argument, "production, emissions and flows must be 2-D"));
        const auto steps = static_cast<std::size_t>(production.shape(0));
        std::vector<carbon::FlowTracer::Border> bs;
        for (const auto& [a, b] : borders) bs.push_back({a, b});
        if (solver < 0 || solver > 2) raise_error(Error(Errc::invalid_argument, "solver must be 0 (scc), 1 (dense), 2 (sparse)"));
        auto t = unwrap(carbon::FlowTracer::make(zones, std::move(bs), static_cast<carbon::FlowSolver>(solver)));
        if (static_cast<std::size_t>(production.shape(1)) != zones || emissions.shape(0) != production.shape(0) ||
            static_cast<std::size_t>(emissions.shape(1)) != zones || flows.shape(0) != production.shape(0) ||
            static_cast<std::size_t>(flows.shape(1)) != t.borders())
          raise_error(Error(Errc::invalid_argument, "array shapes do not match zones/borders"));
        pyb::array_t<double> out({static_cast<pyb::ssize_t>(steps), static_cast<pyb::ssize_t>(zones)});
        double* o = out.mutable_data();
        const double *p = production.data(), *e = emissions.data(), *f = flows.data();
        const std::size_t nb = t.borders();
        Result<void> res;
        {
          pyb::gil_scoped_release release;
          std::vector<std::uint8_t> def(zones);
          for (std::size_t s = 0; s < steps && res; ++s) {
            std::span<double> x(o + s * zones, zones);
            res = t.trace_step({p + s * zones, zones}, {e + s * zones, zones}, {f + s * nb, nb}, x, def);
            for (std::size_t i = 0; i < zones; ++i)
              if (!def[i]) x[i] = std::nan("");
          }
        }
        unwrap(std::move(res));
        return out;
      },
      pyb::arg("zones"), pyb::arg("borders"), pyb::arg("production_mwh"), pyb::arg("production_emissions_kg"),
      pyb::arg("border_net_mwh"), pyb::arg("solver") = 0);
  m.def(
      "verify_log", [](const std::string& log) { return unwrap(carbon::verify_log(log)); }, pyb::arg("log"));

  // Certificate registry. Business-rule rejections come back as the code name ("OK" when accepted);
  // joule/carbon.py turns them into CertificateRejected exceptions.
  using carbon::Registry;
  pyb::class_<Registry>(m, "Registry")
      .def(pyb::init([](const std::string& setup_json) {
             auto setup = unwrap(carbon::registry_setup_from_json(setup_json));
             return unwrap(Registry::make(setup));
           }),
           pyb::arg("setup_json"))
      .def_static(
          "load",
          [](const std::string& setup_json, const std::string& path) {
            auto setup = unwrap(carbon::registry_setup_from_json(setup_json));
            return unwrap(Registry::load(setup, path));
          },
          pyb::arg("setup_json"), pyb::arg("path"))
      .def_static(
          "replay",
          [](const std::string& setup_json, const std::string& log) {
            auto setup = unwrap(carbon::registry_setup_from_json(setup_json));
            return unwrap(Registry::replay(setup, log));
          },
          pyb::arg("setup_json"), pyb::arg("log"))
      .def(
          "issue",
          [](Registry& r, const std::string& device, const std::string& market, const std::string& technology,
             std::int64_t start_s, std::int64_t end_s, std::int64_t volume_wh, const std::string& owner, std::int64_t metered_wh) {
            auto o = r.issue({device, market, technology, start_s, end_s, volume_wh, owner, metered_wh});
            return pyb::make_tuple(carbon::registry_code_name(o.code), o.value);
          },
          pyb::arg("device"), pyb::arg("market"), pyb::arg("technology"), pyb::arg("start_s"), pyb::arg("end_s"),
          pyb::arg("volume_wh"), pyb::arg("owner"), pyb::arg("metered_wh") = -1)
      .def(
          "transfer",
          [](Registry& r, const std::string& cid, const std::string& owner, const std::string& to) {
            return carbon::registry_code_name(r.transfer(cid, owner, to).code);
          },
          pyb::arg("cid"), pyb::arg("owner"), pyb::arg("to"))
      .def(
          "split",
          [](Registry& r, const std::string& cid, const std::string& owner, const std::vector<std::int64_t>& parts) {
            auto o = r.split(cid, owner, parts);
            return pyb::make_tuple(carbon::registry_code_name(o.code), o.value);
          },
          pyb::arg("cid"), pyb::arg("owner"), pyb::arg("parts"))
      .def(
          "retire",
          [](Registry& r, const std::string& cid, const std::string& owner, const std::string& beneficiary, const std::string& site,
             const std::string& consumption_market, bool hourly, std::int64_t start_s, std::int64_t end_s, int year) {
            const auto claim = hourly ? carbon::Claim::hourly(start_s, end_s) : carbon::Claim::annual(year);
            return carbon::registry_code_name(r.retire({cid, owner, beneficiary, site, consumption_market, claim}).code);
          },
          pyb::arg("cid"), pyb::arg("owner"), pyb::arg("beneficiary"), pyb::arg("site"), pyb::arg("consumption_market"),
          pyb::arg("hourly"), pyb::arg("start_s") = 0, pyb::arg("end_s") = 0, pyb::arg("year") = 0)
      .def(
          "storage_charge",
          [](Registry& r, const std::string& cid, const std::string& owner, const std::string& sid, std::int64_t start_s,
             std::int64_t end_s) { return carbon::registry_code_name(r.storage_charge(cid, owner, sid, start_s, end_s).code); },
          pyb::arg("cid"), pyb::arg("owner"), pyb::arg("storage_id"), pyb::arg("charge_start_s"), pyb::arg("charge_end_s"))
      .def(
          "storage_discharge_issue",
          [](Registry& r, const std::string& sid, std::int64_t start_s, std::int64_t end_s, std::int64_t volume_wh,
             const std::string& owner, std::int64_t metered) {
            auto o = r.storage_discharge_issue(sid, start_s, end_s, volume_wh, owner, metered);
            pyb::list issued;
            for (const auto& x : o.value)
              issued.append(pyb::make_tuple(x.id, x.volume_wh, x.source_cert, x.source_start_s, x.source_end_s));
            return pyb::make_tuple(carbon::registry_code_name(o.code), issued);
          },
          pyb::arg("storage_id"), pyb::arg("start_s"), pyb::arg("end_s"), pyb::arg("volume_wh"), pyb::arg("owner"),
          pyb::arg("metered_discharge_wh"))
      .def("expire", &Registry::expire, pyb::arg("now_s"))
      .def(
          "apply", [](Registry& r, const std::string& op) { return unwrap(carbon::registry_apply_json(r, op)); }, pyb::arg("op_json"))
      .def("state", [](const Registry& r) { return carbon::registry_state_json(r); })
      .def("certificates",
           [](const Registry& r) {
             pyb::list rows;
             for (const auto& c : r.certificates())
               rows.append(pyb::make_tuple(c.id, c.device, c.market, c.technology, c.owner, c.start_s, c.end_s, c.vintage_year,
                                           c.volume_wh, carbon::cert_status_name(c.status), c.parent, c.from_storage, c.beneficiary));
             return rows;
           })
      .def_property_readonly("log_text", [](const Registry& r) { return pyb::str(r.log_text().data(), r.log_text().size()); })
      .def_property_readonly("head_hash", &Registry::head_hash)
      .def_property_readonly("operation_count", &Registry::operation_count)
      .def_property_readonly("issued_wh", &Registry::issued_wh)
      .def_property_readonly("sd_issued_wh", &Registry::sd_issued_wh)
      .def("save", [](const Registry& r, const std::string& path) { unwrap(r.save(path)); }, pyb::arg("path"));
}

}  // namespace joule::py
