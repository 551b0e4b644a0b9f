// `moecap analyze RESULTS.jsonl`: recompute every metric from stored records; re-price on other hardware.
#include "moecap/host/analyze_command.hpp"

#include <iostream>
#include <memory>

#include "app_command.hpp"

namespace moecap::app {

Command add_analyze_command(CLI::App& app) {
  auto o = std::make_shared<host::AnalyzeOptions>();
  auto results = std::make_shared<std::string>();
  auto catalog = std::make_shared<std::string>();
  auto lifetime = std::make_shared<double>(0);
  auto utilisation = std::make_shared<double>(0);
  auto usd_per_kwh = std::make_shared<double>(0);
  auto pue = std::make_shared<double>(0);
  CLI::App* sub = app.add_subcommand(
      "analyze",
      "Recompute every metric of a results file (sink-jsonl) from its step and request records: check the stored "
      "summary (exit 1 if a figure differs) or re-price the runs on other hardware / cost parameters");
  sub->add_option("results", *results, "A JSONL file written by `moecap run` (sink-jsonl)")
      ->required()
      ->type_name("RESULTS.jsonl");
  sub->add_option("--hardware", o->hardware.device,
                  "Judge on this catalog device instead of the recorded system (energy becomes its TDP x step time)")
      ->type_name("ID");
  sub->add_option("--device-count", o->hardware.device_count, "Devices of that kind (default 1)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--cpu", o->hardware.cpu, "Host CPU of an accelerator system (catalog id)")->type_name("ID");
  sub->add_option("--compute-dtype", o->hardware.compute_dtype,
                  "Peak dtype S-MFU/MFU divide by (default: the run's compute dtype)")
      ->check(CLI::IsMember({"fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8"}));
  sub->add_option("--catalog", *catalog, "Hardware catalog folder (default: configs/hardware)")->type_name("DIR");
  sub->add_option("--lifetime-years", *lifetime, "Depreciation period (default: as recorded)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--utilisation", *utilisation, "Fraction of the lifetime doing paid work, (0, 1]")
      ->check(CLI::Range(1e-9, 1.0));
  sub->add_option("--usd-per-kwh", *usd_per_kwh, "Energy price")->check(CLI::PositiveNumber);
  sub->add_option("--pue", *pue, "Power usage effectiveness, >= 1")->check(CLI::Range(1.0, 10.0));
  sub->add_option("--percentiles", o->percentiles, "Percentiles of TTFT/TPOT/ITL/E2E (default 50 90 99)")
      ->check(CLI::Range(1e-9, 100.0));
  sub->add_flag("--json", o->json, "One recomputed summary record per line (JSON) instead of tables");
  return {sub, [=](const GlobalOptions&) {
            o->results = *results;
            o->catalog_dir = *catalog;
            if (*lifetime > 0) o->lifetime_years = *lifetime;
            if (*utilisation > 0) o->utilisation = *utilisation;
            if (*usd_per_kwh > 0) o->usd_per_kwh = *usd_per_kwh;
            if (*pue > 0) o->pue = *pue;
            return host::analyze_results_command(*o, std::cout);
          }};
}

}  // namespace moecap::app
