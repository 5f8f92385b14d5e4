"""Scope 2 dual reporting from Python: location-based vs market-based for one site-day."""
import joule.carbon as jc

inputs = {
    "consumption_kwh": [80] * 6 + [100] * 2 + [150] * 10 + [120] * 4 + [90] * 2,
    "grid_ef_hourly": [450] * 6 + [420] * 2 + [300] * 10 + [480] * 4 + [450] * 2,
    "grid_ef_annual": 400.0,
    "residual_mix_ef": 520.0,
    "instruments": [
        {"id": "GO-WIND-A", "type": "eac", "volume_kwh": 600, "ef_g_per_kwh": 0.0, "market": "DK1",
         "vintage_year": 2024, "retired_for": "ACME"},
        {"id": "GO-OLD", "type": "eac", "volume_kwh": 200, "ef_g_per_kwh": 0.0, "market": "DK1",
         "vintage_year": 2021, "retired_for": "ACME"},
        {"id": "TARIFF", "type": "supplier_specific", "volume_kwh": 1000, "ef_g_per_kwh": 250.0},
    ],
    "reporter": "ACME", "consumption_market": "DK1", "accepted_markets": ["DK1"],
    "reporting_year": 2024, "vintage_window_years": 0,
}
r = jc.run_case("scope2", inputs)
print(f"location-based {r['location_based_annual_factor_kg']:.1f} kg (hourly factors "
      f"{r['location_based_hourly_factor_kg']:.1f} kg), market-based {r['market_based_kg']:.1f} kg")
for rej in r["rejected_instruments"]:
    print(f"rejected {rej['id']}: {', '.join(rej['reasons'])}")

# The certificate registry: a wind farm's hour becomes a certificate, is sold, split and retired for
# an hourly claim; a second claim on the same hour is refused; the log's hash chain verifies.
t0 = "2024-06-01T10:00Z"
reg = jc.Registry(accepted_markets={"DK1": ["DK1"]}, consumption_wh=[("SITE-1", t0, 40_000)])
gc = reg.issue("WIND-1", "DK1", "wind", t0, "2024-06-01T11:00Z", 50_000, "PROD", metered_wh=52_000)
reg.transfer(gc, "PROD", "ACME")
part_a, part_b = reg.split(gc, "ACME", [30_000, 20_000])
reg.retire(part_a, "ACME", "ACME", "SITE-1", "DK1", hour=(t0, "2024-06-01T11:00Z"))
try:
    reg.retire(part_b, "ACME", "ACME", "SITE-1", "DK1", hour=(t0, "2024-06-01T11:00Z"))
except jc.CertificateRejected as e:
    print(f"second claim on the hour refused: {e.reason}")
print(f"registry: {reg.operation_count} operations, log chain verified ({jc.verify_log(reg.log_text)} entries)")
