// Purchase cost, running cost and the MoE-CAP code's figure, each against a hand-computed case.
#include "moecap/host/system_cost.hpp"

#include <gtest/gtest.h>

#include "moecap/host/moecap_code_cost.hpp"

namespace moecap::host {
namespace {

const HardwareCatalog& catalog() {
  static const HardwareCatalog c = HardwareCatalog::load(MOECAP_HARDWARE_CATALOG_DIR);
  return c;
}

// moe-cap-method.md §12: 1 h on 8 × A100-SXM4-80GB → capital 159,214 $, energy 0.5325 $,
// cost = 1.2 · 0.5325 + 1.25 · 159,214 = 199,018.14 $.
TEST(MoecapCodeCost, EightA100ForOneHour) {
  const MoecapCodeCost c = moecap_code_cost(catalog().at("a100-sxm4-80gb"), 8, 3600);
  EXPECT_DOUBLE_EQ(c.capital_usd, 159'214);
  EXPECT_NEAR(c.energy_usd, 0.5325, 1e-12);
  EXPECT_NEAR(c.cost_usd, 199'018.14, 0.005);
}

TEST(MoecapCodeCost, NeedsPriceAndTdp) {
  HardwareDevice unpriced;
  unpriced.id = "x";
  EXPECT_THROW(moecap_code_cost(unpriced, 1, 1), std::invalid_argument);
  EXPECT_THROW(moecap_code_cost(1, 1, -1, 1), std::invalid_argument);
}

// 2 × H100-SXM (38,000 $, 700 W) + EPYC 9654 (11,805 $, 360 W) + 256 GB DDR5 (4.5 $/GB, 0.15 W/GB) + one
// NVMe SSD (800 $, 13.5 W) for disk offload.
TEST(SystemCost, SumsDevicesCpuDramAndSsd) {
  SystemSpec s;
  s.device_id = "h100-sxm";
  s.device_count = 2;
  s.cpu_id = "epyc-9654";
  s.host_memory_bytes = 256e9;
  s.disk_offload = true;
  const PurchaseCost p = purchase_cost(catalog(), s);
  EXPECT_DOUBLE_EQ(p.devices, 76'000);
  EXPECT_DOUBLE_EQ(p.cpus, 11'805);
  EXPECT_DOUBLE_EQ(p.dram, 1'152);
  EXPECT_DOUBLE_EQ(p.ssd, 800);
  EXPECT_DOUBLE_EQ(p.total(), 89'757);
  EXPECT_NEAR(system_tdp_w(catalog(), s), 1400 + 360 + 38.4 + 13.5, 1e-9);

  s.disk_offload = false;  // no disk tier: no SSD bought
  EXPECT_DOUBLE_EQ(purchase_cost(catalog(), s).ssd, 0);
}

TEST(SystemCost, UnknownPartsAndMissingPricesAreErrors) {
  SystemSpec s;
  s.device_id = "no-such-gpu";
  s.device_count = 1;
  EXPECT_THROW(purchase_cost(catalog(), s), std::out_of_range);
  s.device_id = "ddr5-rdimm";  // a DRAM entry has a price per GB, not a device price
  EXPECT_THROW(purchase_cost(catalog(), s), std::invalid_argument);
}

// 100,000 $ over 3 years at 50 % utilisation, one hour, 2 kWh at 0.15 $/kWh and PUE 1.5, 360,000 tokens:
// capex = 100,000 · 3,600 / (3 · 31,557,600 · 0.5) = 7.605141 $; energy = 2 · 0.15 · 1.5 = 0.45 $;
// $/1M tokens = 8.055141 / 0.36 = 22.37539.
TEST(RunCost, AmortisesCapitalAndPricesEnergy) {
  PurchaseCost p;
  p.devices = 100'000;
  CostParameters params;
  params.lifetime_years = 3;
  params.utilisation = 0.5;
  params.usd_per_kwh = 0.15;
  params.pue = 1.5;
  const RunCost c = run_cost(p, params, 3600, 7.2e6, 360'000);
  EXPECT_NEAR(c.capex_usd, 7.605141, 1e-6);
  EXPECT_NEAR(c.energy_usd, 0.45, 1e-12);
  EXPECT_NEAR(c.usd_per_hour, 8.055141, 1e-6);
  EXPECT_NEAR(c.usd_per_million_output_tokens, 22.37539, 1e-5);
  EXPECT_EQ(run_cost(p, params, 3600, 0, 0).usd_per_million_output_tokens, 0);
}

TEST(RunCost, RejectsOutOfRangeInputs) {
  const PurchaseCost p;
  CostParameters params;
  EXPECT_THROW(run_cost(p, params, 0, 0, 1), std::invalid_argument);
  EXPECT_THROW(run_cost(p, params, 1, -1, 1), std::invalid_argument);
  params.utilisation = 0;
  EXPECT_THROW(run_cost(p, params, 1, 0, 1), std::invalid_argument);
  params = {};
  params.pue = 0.9;
  EXPECT_THROW(run_cost(p, params, 1, 0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace moecap::host
