/* joule_carbon.h: C API of joule's carbon module (emission factors, Scope 2, 24/7 CFE,
 * certificates, flow tracing, marginal vs average). Included by joule.h.
 *
 * Example:
 *   char out[65536]; size_t len;
 *   if (joule_carbon_run_case("scope2", json, strlen(json), out, sizeof out, &len) != JOULE_OK)
 *     puts(joule_last_error());
 *   double g; joule_carbon_to_g_per_kwh(1000.0, JOULE_CARBON_LB_PER_MWH, &g);   (453.59237)
 */
#ifndef JOULE_CARBON_H
#define JOULE_CARBON_H
#include "joule.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Intensity units (joule::carbon::IntensityUnit). */
typedef enum joule_carbon_unit {
  JOULE_CARBON_G_PER_KWH = 0,
  JOULE_CARBON_KG_PER_MWH = 1,
  JOULE_CARBON_LB_PER_MWH = 2, /* WattTime MOER: x 0.45359237 */
  JOULE_CARBON_T_PER_MWH = 3,
  JOULE_CARBON_KG_PER_KWH = 4,
  JOULE_CARBON_UNIT_FORCE_INT32_ = 0x7FFFFFFF
} joule_carbon_unit;

/* Converts an intensity to gCO2(e)/kWh. */
JOULE_API joule_status joule_carbon_to_g_per_kwh(double value, joule_carbon_unit unit, double* out_g_per_kwh);

/* Built-in IPCC AR5 lifecycle median (gCO2eq/kWh) by mode ("coal", "gas", "wind", ...). JOULE_NOT_FOUND otherwise. */
JOULE_API joule_status joule_carbon_ipcc_ar5_median(const char* mode, double* out_g_per_kwh);

/* Runs a calculator on the `inputs` of a joule-carbon-testcase/1 document (or the whole document)
 * and writes the JSON result (layout of the case's `expected` block) into buf.
 * family: "scope2", "cfe", "flowtrace", "certs", "shift". */
JOULE_API joule_status joule_carbon_run_case(const char* family, const char* json, size_t json_len, char* buf, size_t cap,
                                             size_t* len);

/* Contracted storage for the CFE calculation. */
typedef struct joule_carbon_battery {
  double energy_kwh;    /* capacity in charged kWh */
  double power_kw;      /* max charge / delivered discharge per hour */
  double roundtrip_eff; /* (0, 1], losses at discharge */
  double soc0_kwh;      /* initial charge */
} joule_carbon_battery;

/* Aggregates of the hourly CFE calculation (METHODS.md B). */
typedef struct joule_carbon_cfe_summary {
  double cfe_score;               /* sum CFE / sum load */
  double contracted_hourly_match; /* (direct + discharge) / load */
  double annual_volumetric_match; /* min(sum PPA, sum load) / sum load */
  double grid_supply_kwh;
  double grid_cfe_kwh;
  double battery_charge_kwh;
  double battery_discharge_kwh;
  double battery_losses_kwh;
  double ppa_spilled_kwh;
  double grid_supply_emissions_kg; /* NaN when grid_ci is NULL */
} joule_carbon_cfe_summary;

/* Hourly CFE score. grid_ci and battery may be NULL; schedule_kwh (may be NULL) is a battery schedule
 * (+ charge, - delivered discharge) limited by the claim rules. cfe_kwh (may be NULL) receives n values. */
JOULE_API joule_status joule_carbon_cfe(const double* load_kwh, const double* ppa_kwh, const double* grid_cfe_share,
                                        const double* grid_ci_g_per_kwh, size_t n, const joule_carbon_battery* battery,
                                        const double* schedule_kwh, double* cfe_kwh, joule_carbon_cfe_summary* out);

/* sum delta_t x factor_t / 1000 (kg) for a change in grid withdrawal (kWh) under a factor series (g/kWh). */
JOULE_API joule_status joule_carbon_delta_emissions_kg(const double* delta_kwh, const double* factor_g_per_kwh, size_t n,
                                                       double* out_kg);
/* Energy-weighted intensity sum(E I) / sum(E). */
JOULE_API joule_status joule_carbon_energy_weighted_intensity(const double* energy_kwh, const double* intensity_g_per_kwh,
                                                              size_t n, double* out_g_per_kwh);

/* Flow tracer on a fixed border list (see joule::carbon::FlowTracer). */
typedef struct joule_carbon_flowtracer joule_carbon_flowtracer;
typedef enum joule_carbon_solver {
  JOULE_CARBON_SOLVER_SCC = 0,
  JOULE_CARBON_SOLVER_DENSE_LU = 1,
  JOULE_CARBON_SOLVER_SPARSE_LU = 2,
  JOULE_CARBON_SOLVER_FORCE_INT32_ = 0x7FFFFFFF
} joule_carbon_solver;
/* Border k joins zone border_a[k] and border_b[k] (0-based). */
JOULE_API joule_status joule_carbon_flowtracer_create(size_t zones, const uint32_t* border_a, const uint32_t* border_b,
                                                      size_t borders, joule_carbon_solver solver,
                                                      joule_carbon_flowtracer** out);
JOULE_API void joule_carbon_flowtracer_destroy(joule_carbon_flowtracer* tracer);
/* One step: production (MWh) and its emissions (kg) per zone, net flow per border (+ a->b); writes the
 * consumption intensity (g/kWh) and defined[i] (0 = undefined: no production behind the zone's pool). */
JOULE_API joule_status joule_carbon_flowtracer_step(joule_carbon_flowtracer* tracer, const double* production_mwh,
                                                    const double* production_emissions_kg, const double* border_net_mwh,
                                                    double* intensity_g_per_kwh, uint8_t* defined);

/* Verifies a registry log (JSON lines, SHA-256 chain); *entries = number of entries.
 * JOULE_CHECKSUM_MISMATCH / JOULE_MALFORMED when any byte was altered. */
JOULE_API joule_status joule_carbon_verify_log(const char* log, size_t len, size_t* entries);

/* ---- Certificate registry (joule::carbon::Registry) ----
 * Issue, transfer, split, retire, storage charge/discharge and expiry of granular certificates with a
 * SHA-256 hash-chained log (METHODS.md D). A business-rule rejection returns JOULE_REJECTED and sets
 * *code to its named reason (joule_carbon_registry_code_name); the registry state is then unchanged.
 *
 *   joule_carbon_registry* reg;
 *   joule_carbon_registry_create("{\"accepted_markets\":{\"DK1\":[\"DK1\"]}}", (size_t)-1, &reg);
 *   joule_carbon_issue_request q = {"WIND-1", "DK1", "wind", t0, t0 + 3600, 50000, "PROD", 52000};
 *   char id[64]; size_t n; joule_carbon_registry_code code;
 *   joule_carbon_registry_issue(reg, &q, &code, id, sizeof id, &n);            (id = "GC-1")
 *   joule_carbon_registry_transfer(reg, id, "PROD", "ACME", &code);
 *   joule_carbon_registry_destroy(reg);
 */
typedef struct joule_carbon_registry joule_carbon_registry;

/* Named rejection codes (METHODS.md D.2); 0 = accepted. */
typedef enum joule_carbon_registry_code {
  JOULE_CARBON_REG_OK = 0,
  JOULE_CARBON_REG_NOT_FOUND = 1,
  JOULE_CARBON_REG_NOT_OWNER = 2,
  JOULE_CARBON_REG_NOT_ACTIVE = 3,
  JOULE_CARBON_REG_INVALID_INTERVAL = 4,
  JOULE_CARBON_REG_INVALID_VOLUME = 5,
  JOULE_CARBON_REG_EXCEEDS_METERED = 6,
  JOULE_CARBON_REG_DUPLICATE_ISSUANCE = 7,
  JOULE_CARBON_REG_SPLIT_SUM_MISMATCH = 8,
  JOULE_CARBON_REG_MARKET_BOUNDARY = 9,
  JOULE_CARBON_REG_TIME_MISMATCH = 10,
  JOULE_CARBON_REG_CLAIM_EXCEEDS_CONSUMPTION = 11,
  JOULE_CARBON_REG_VINTAGE_MISMATCH = 12,
  JOULE_CARBON_REG_STORAGE_OVERISSUE = 13,
  JOULE_CARBON_REG_EXPIRED = 14,
  JOULE_CARBON_REG_FORCE_INT32_ = 0x7FFFFFFF
} joule_carbon_registry_code;

/* "OK", "NOT_FOUND", ... (static string). */
JOULE_API const char* joule_carbon_registry_code_name(joule_carbon_registry_code code);

/* setup_json: the `setup` object of a certificates case: {"accepted_markets": {"<consumption market>": [markets]},
 * "consumption_wh": [{"site", "start" (ISO 8601 UTC), "wh"}], "storage": [{"id", "market", "roundtrip_eff"}],
 * "lifetime_s"}; every field optional. len = (size_t)-1 for a NUL-terminated string. */
JOULE_API joule_status joule_carbon_registry_create(const char* setup_json, size_t len, joule_carbon_registry** out);
/* Verifies a log file's chain and replays it with the setup that wrote it (JOULE_CHECKSUM_MISMATCH on any edit). */
JOULE_API joule_status joule_carbon_registry_load(const char* setup_json, size_t len, const char* path,
                                                  joule_carbon_registry** out);
JOULE_API void joule_carbon_registry_destroy(joule_carbon_registry* reg);

typedef struct joule_carbon_issue_request {
  const char* device;
  const char* market;
  const char* technology;
  int64_t start_s, end_s; /* production interval [start, end), UTC seconds, at most one hour */
  int64_t volume_wh;      /* whole Wh */
  const char* owner;
  int64_t metered_wh; /* metered generation of the interval; -1 = not given */
} joule_carbon_issue_request;

/* Issues a certificate; its id ("GC-<n>") goes to id_buf (needed length in *id_len). */
JOULE_API joule_status joule_carbon_registry_issue(joule_carbon_registry* reg, const joule_carbon_issue_request* req,
                                                   joule_carbon_registry_code* code, char* id_buf, size_t cap, size_t* id_len);
JOULE_API joule_status joule_carbon_registry_transfer(joule_carbon_registry* reg, const char* cid, const char* owner,
                                                      const char* to, joule_carbon_registry_code* code);

typedef struct joule_carbon_retire_request {
  const char* cid;
  const char* owner;
  const char* beneficiary;
  const char* site;
  const char* consumption_market;
  int hourly;                     /* 1: hourly claim on [claim_start_s, claim_end_s); 0: annual claim on claim_year */
  int64_t claim_start_s, claim_end_s;
  int claim_year;
} joule_carbon_retire_request;
JOULE_API joule_status joule_carbon_registry_retire(joule_carbon_registry* reg, const joule_carbon_retire_request* req,
                                                    joule_carbon_registry_code* code);

/* Any operation as one JSON object of a certificates case ({"op": "split", ...}; ops: issue, transfer, split,
 * retire, storage_charge, storage_discharge_issue, expire; times ISO 8601 UTC). Writes {"op","ok","error","result"};
 * a rejection is "ok": false with its code in "error" and returns JOULE_OK. JOULE_MALFORMED for a bad operation. */
JOULE_API joule_status joule_carbon_registry_apply(joule_carbon_registry* reg, const char* op_json, size_t len, char* buf,
                                                   size_t cap, size_t* out_len);
/* State as JSON {"final_state": {certificates, leaf_volume_by_status_wh, active_balance_by_account_wh, storage},
 * "claims_wh": {...}} (the certificates case layout). */
JOULE_API joule_status joule_carbon_registry_state(const joule_carbon_registry* reg, char* buf, size_t cap, size_t* len);
/* The append-only log (JSON lines) and the head hash (64 hex + NUL into hash_hex[65]). */
JOULE_API joule_status joule_carbon_registry_log(const joule_carbon_registry* reg, char* buf, size_t cap, size_t* len);
JOULE_API joule_status joule_carbon_registry_head_hash(const joule_carbon_registry* reg, char hash_hex[65]);
JOULE_API joule_status joule_carbon_registry_save(const joule_carbon_registry* reg, const char* path);
/* Conservation totals: issued production Wh and storage-discharge Wh; number of logged operations. */
JOULE_API joule_status joule_carbon_registry_totals(const joule_carbon_registry* reg, int64_t* issued_wh, int64_t* sd_issued_wh,
                                                    size_t* operations);

#ifdef __cplusplus
}
#endif
#endif /* JOULE_CARBON_H */
