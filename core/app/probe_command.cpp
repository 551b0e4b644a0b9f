// `moecap probe`: measures this machine and writes its hardware catalog entry, which every run that names no
// hardware then divides by and prices with.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "app_command.hpp"
#include "moecap/host/default_paths.hpp"
#include "moecap/host/hardware_catalog.hpp"
#include "moecap/host/machine_entry.hpp"

namespace moecap::app {
namespace {

struct ProbeOptions {
  std::string out;
  int threads = 0;
  double price_usd = 0;
  double tdp_w = 0;
  std::string catalog;
  bool print_only = false;
};

int run_probe(const ProbeOptions& o) {
  const std::filesystem::path catalog_dir =
      o.catalog.empty() ? host::default_hardware_catalog_dir() : std::filesystem::path(o.catalog);
  const host::HardwareCatalog catalog = host::HardwareCatalog::load(catalog_dir);
  std::cerr << "moecap probe: measuring read bandwidth, STREAM triad, sgemm and dgemm"
            << (o.threads > 0 ? " on " + std::to_string(o.threads) + " thread(s)" : " on every logical CPU")
            << " (about 10 s)\n";
  const host::MachineMeasurement m = measure_this_machine(o.threads, false);
  const host::MachinePricing pricing =
      host::machine_pricing(m, catalog, o.price_usd > 0 ? std::optional<double>(o.price_usd) : std::nullopt,
                            o.tdp_w > 0 ? std::optional<double>(o.tdp_w) : std::nullopt);
  const std::string text = host::machine_catalog_entry(m, pricing);
  host::HardwareCatalog::parse(text, "this-machine");  // what is written must load
  if (o.print_only) {
    std::cout << text;
    return 0;
  }
  const std::filesystem::path out = o.out.empty() ? host::default_machine_entry_path() : std::filesystem::path(o.out);
  std::error_code ec;
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  std::ofstream file(out);
  file << text;
  file.close();
  if (!file) {
    std::cerr << "moecap probe: cannot write " << out.string() << "\n";
    return 1;
  }
  std::cout << text << "\nwritten to " << out.string()
            << "\nruns that name no [hardware] device now divide by these ceilings and price with this entry\n";
  return 0;
}

}  // namespace

Command add_probe_command(CLI::App& app) {
  auto o = std::make_shared<ProbeOptions>();
  CLI::App* sub = app.add_subcommand(
      "probe",
      "Measure this machine (read bandwidth, GEMM rate, cores, memory, RAPL) and write its hardware catalog entry "
      "(id \"this-machine\"); runs that name no hardware use it");
  sub->add_option("--out", o->out,
                  "Where to write the entry (default: $MOECAP_MACHINE_FILE, else "
                  "$XDG_DATA_HOME/moecap/this-machine.toml, else ~/.local/share/moecap/this-machine.toml)")
      ->type_name("FILE");
  sub->add_option("--threads", o->threads, "Threads to measure on (default: every logical CPU)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--price-usd", o->price_usd,
                  "Purchase price of this machine's CPU(s), USD (default: the matching catalog CPU, else the "
                  "reference server CPU, pro-rated by hardware threads)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--tdp-w", o->tdp_w, "Power at full load, W (default: as for the price)")->check(CLI::PositiveNumber);
  sub->add_option("--catalog", o->catalog, "Hardware catalog folder (default: configs/hardware)")->type_name("DIR");
  sub->add_flag("--print", o->print_only, "Print the entry to stdout; write no file");
  return {sub, [o](const GlobalOptions&) { return run_probe(*o); }};
}

}  // namespace moecap::app
