// "This machine" as a catalog entry (`moecap probe`), and resolving the system a run is judged on.
#include "moecap/host/machine_entry.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "moecap/host/run_system.hpp"

namespace moecap::host {
namespace {

namespace fs = std::filesystem;

const HardwareCatalog& catalog() {
  static const HardwareCatalog c = HardwareCatalog::load(MOECAP_HARDWARE_CATALOG_DIR);
  return c;
}

MachineMeasurement measured() {
  MachineMeasurement m;
  m.cpu_model = "AMD EPYC";
  m.hostname = "vm \"1\"";  // quoted in a comment: must not break the TOML
  m.logical_cpus = 2;
  m.threads = 2;
  m.memory_bytes = 25.5e9;
  m.read_bandwidth_bytes_per_s = 12.345e9;
  m.triad_bytes_per_s = 14e9;
  m.sgemm_flops_per_s = 81.6e9;
  m.dgemm_flops_per_s = 40.2e9;
  m.measured_at = "2026-11-28T20:00:00Z";
  return m;
}

TEST(MachinePricing, UnknownCpuIsTheReferenceServerCpuProRatedByThreads) {
  const MachinePricing p = machine_pricing(measured(), catalog(), {}, {});
  EXPECT_NEAR(p.price_usd, 11805.0 * 2 / 192, 1e-9);
  EXPECT_NEAR(p.tdp_w, 360.0 * 2 / 192, 1e-9);
  EXPECT_NE(p.price_source.find("estimate: the reference server CPU 'epyc-9654'"), std::string::npos);
  EXPECT_NE(p.price_source.find("2/192"), std::string::npos);
}

TEST(MachinePricing, MatchingCatalogCpuAndGivenFiguresWin) {
  MachineMeasurement whole = measured();
  whole.cpu_model = "AMD EPYC 9654 96-Core Processor";  // an alias of epyc-9654
  whole.logical_cpus = 192;
  const MachinePricing matched = machine_pricing(whole, catalog(), {}, {});
  EXPECT_DOUBLE_EQ(matched.price_usd, 11805);
  EXPECT_DOUBLE_EQ(matched.tdp_w, 360);
  EXPECT_NE(matched.price_source.find("matching this CPU"), std::string::npos);
  const MachinePricing given = machine_pricing(measured(), catalog(), 2500.0, 125.0);
  EXPECT_DOUBLE_EQ(given.price_usd, 2500);
  EXPECT_DOUBLE_EQ(given.tdp_w, 125);
  EXPECT_NE(given.price_source.find("--price-usd"), std::string::npos);
}

TEST(MachineEntry, IsACatalogCpuEntryWithTheMeasuredCeilings) {
  const std::string text = machine_catalog_entry(measured(), machine_pricing(measured(), catalog(), {}, {}));
  const HardwareCatalog entry = HardwareCatalog::parse(text, "this-machine.toml");
  const HardwareDevice& d = entry.at("this-machine");
  EXPECT_EQ(d.kind, DeviceKind::cpu);
  EXPECT_EQ(d.name, "AMD EPYC");
  EXPECT_EQ(d.hardware_threads, 2);
  EXPECT_NEAR(*d.memory_bandwidth_bytes_per_s, 12.345e9, 1e3);
  EXPECT_NEAR(d.peak_flops(ComputeDtype::fp32), 81.6e9, 1e3);
  EXPECT_NEAR(d.peak_flops(ComputeDtype::fp64), 40.2e9, 1e3);
  EXPECT_NEAR(*d.price_usd, 11805.0 * 2 / 192, 0.01);
  EXPECT_NE(text.find("RAPL): not readable"), std::string::npos);
  EXPECT_NE(text.find("# measured: multi-stream read"), std::string::npos);
  EXPECT_NE(text.find(kMachineProbeMethod), std::string::npos);
}

class RunSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("moecap-run-system-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(RunSystemTest, ThisMachineIsProbedOnceThenRead) {
  const fs::path file = dir_ / "sub" / "this-machine.toml";
  int probes = 0;
  const MachineProbe probe = [&] {
    ++probes;
    return measured();
  };
  const RunSystem first = resolve_run_system({}, MOECAP_HARDWARE_CATALOG_DIR, file, probe);
  EXPECT_EQ(probes, 1);
  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(first.is_this_machine);
  EXPECT_EQ(first.spec.cpu_id, "this-machine");
  EXPECT_TRUE(first.spec.device_id.empty());
  const RunSystem second = resolve_run_system({}, MOECAP_HARDWARE_CATALOG_DIR, file, probe);
  EXPECT_EQ(probes, 1);
  EXPECT_NEAR(second.peaks(ComputeDtype::fp32).bandwidth_bytes_per_s, 12.345e9, 1e3);
  EXPECT_NEAR(second.peaks(ComputeDtype::fp64).flops_per_s, 40.2e9, 1e3);
  EXPECT_DOUBLE_EQ(second.peaks(ComputeDtype::bf16).flops_per_s, 0);  // not measured: no guess
  // A CPU-only system prices the DRAM the run kept.
  EXPECT_DOUBLE_EQ(second.with_host_memory(4e9).host_memory_bytes, 4e9);
}

TEST_F(RunSystemTest, WithoutEntryOrProbeTheMessageSaysRunProbe) {
  try {
    resolve_run_system({}, MOECAP_HARDWARE_CATALOG_DIR, dir_ / "none.toml", nullptr);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("moecap probe"), std::string::npos) << e.what();
  }
}

TEST_F(RunSystemTest, NamedAcceleratorSystem) {
  HardwareSettings settings;
  settings.device = "NVIDIA H100 80GB HBM3";  // an alias
  settings.device_count = 4;
  settings.cpu = "epyc-9654";
  settings.cpu_count = 2;
  const RunSystem s = resolve_run_system(settings, MOECAP_HARDWARE_CATALOG_DIR, dir_ / "none.toml", nullptr);
  EXPECT_FALSE(s.is_this_machine);
  EXPECT_EQ(s.label, "4 x h100-sxm + 2 x epyc-9654");
  EXPECT_DOUBLE_EQ(s.peaks(ComputeDtype::bf16).flops_per_s, 4 * 989.4e12);
  EXPECT_DOUBLE_EQ(s.with_host_memory(4e9).host_memory_bytes, 0);  // DRAM priced only when it holds the model
  EXPECT_DOUBLE_EQ(purchase_cost(s.catalog, s.spec).total(), 4 * 38000 + 2 * 11805);
  EXPECT_DOUBLE_EQ(s.tdp_w, 4 * 700 + 2 * 360);
}

TEST_F(RunSystemTest, UnknownOrWrongKindIsAnErrorNamingTheKey) {
  HardwareSettings settings;
  settings.device = "h100-sxn";
  try {
    resolve_run_system(settings, MOECAP_HARDWARE_CATALOG_DIR, dir_ / "none.toml", nullptr);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("[hardware] device = \"h100-sxn\""), std::string::npos) << e.what();
  }
  settings.device = "ddr5-rdimm";
  EXPECT_THROW(resolve_run_system(settings, MOECAP_HARDWARE_CATALOG_DIR, dir_ / "none.toml", nullptr),
               std::runtime_error);
}

TEST(PeakDtype, FollowsTheSessionComputeDtype) {
  EXPECT_EQ(peak_dtype_of(MOECAP_DTYPE_F64), ComputeDtype::fp64);
  EXPECT_EQ(peak_dtype_of(MOECAP_DTYPE_F32), ComputeDtype::fp32);
  EXPECT_EQ(peak_dtype_of(MOECAP_DTYPE_BF16), ComputeDtype::bf16);
  EXPECT_EQ(peak_dtype_of(MOECAP_DTYPE_F16), ComputeDtype::fp16);
  EXPECT_EQ(peak_dtype_of(MOECAP_DTYPE_I32), std::nullopt);
}

}  // namespace
}  // namespace moecap::host
