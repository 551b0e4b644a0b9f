// The RAPL reader and the energy meter against a fake /sys/class/powercap tree in a temporary folder.
#include "moecap/host/energy_meter.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "moecap/host/phase_energy.hpp"

namespace moecap::host {
namespace {

namespace fs = std::filesystem;

class FakePowercap : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("moecap-powercap-" + std::to_string(std::random_device{}()));
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void zone(const std::string& leaf, const std::string& name, uint64_t energy_uj, uint64_t max_uj) {
    fs::create_directories(root_ / leaf);
    write(leaf + "/name", name);
    write(leaf + "/energy_uj", std::to_string(energy_uj));
    write(leaf + "/max_energy_range_uj", std::to_string(max_uj));
  }
  void set(const std::string& leaf, uint64_t energy_uj) { write(leaf + "/energy_uj", std::to_string(energy_uj)); }
  void write(const std::string& file, const std::string& text) { std::ofstream(root_ / file) << text << "\n"; }

  fs::path root_;
};

TEST_F(FakePowercap, SumsPackagesAndDramSkipsCoreAndPsys) {
  zone("intel-rapl:0", "package-0", 1'000'000, 262'143'328'850);
  zone("intel-rapl:0:0", "core", 500'000, 262'143'328'850);
  zone("intel-rapl:0:1", "dram", 2'000'000, 65'712'999'613);
  zone("intel-rapl:1", "psys", 9'000'000, 262'143'328'850);
  fs::create_directories(root_ / "intel-rapl-mmio:0");  // another interface, not read
  const RaplReader rapl(root_);
  ASSERT_TRUE(rapl.available());
  EXPECT_EQ(rapl.describe(), "package-0, dram");
  const auto before = rapl.sample();
  set("intel-rapl:0", 31'000'000);    // +30 J
  set("intel-rapl:0:0", 20'500'000);  // inside the package: not added
  set("intel-rapl:0:1", 7'000'000);   // +5 J
  set("intel-rapl:1", 99'000'000);    // psys: not added
  EXPECT_DOUBLE_EQ(rapl.joules_between(before, rapl.sample()), 35.0);
}

TEST_F(FakePowercap, UndoesWrapAroundWithMaxEnergyRange) {
  zone("intel-rapl:0", "package-0", 4'294'000'000, 4'294'967'295);
  const RaplReader rapl(root_);
  const auto before = rapl.sample();
  set("intel-rapl:0", 1'032'705);  // wrapped: (4,294,967,295 − 4,294,000,000) + 1,032,705 = 2,000,000 µJ
  EXPECT_DOUBLE_EQ(rapl.joules_between(before, rapl.sample()), 2.0);
}

TEST_F(FakePowercap, UnreadableOrAbsentTreeIsUnavailable) {
  EXPECT_FALSE(RaplReader(root_ / "missing").available());
  fs::create_directories(root_ / "intel-rapl:0");
  write("intel-rapl:0/name", "package-0");  // no energy_uj (as when it is root-only)
  EXPECT_FALSE(RaplReader(root_).available());
}

TEST_F(FakePowercap, MeterSaysMeasuredWhenRaplIsReadable) {
  zone("intel-rapl:0", "package-0", 0, 262'143'328'850);
  EnergyMeter meter({root_, false, 500});
  ASSERT_TRUE(meter.measures());
  meter.start();
  set("intel-rapl:0", 12'500'000);
  const EnergyReading reading = meter.stop(10, 0.5);
  EXPECT_EQ(reading.source, EnergySource::measured);
  EXPECT_DOUBLE_EQ(reading.joules, 12.5);
  EXPECT_STREQ(energy_source_name(reading.source), "measured");
  EXPECT_NE(reading.detail.find("rapl"), std::string::npos);
}

TEST_F(FakePowercap, MeterEstimatesFromTdpOtherwise) {
  EnergyMeter meter({root_, false, 450});
  ASSERT_FALSE(meter.measures());
  EXPECT_THROW(meter.stop(1), std::logic_error);
  meter.start();
  const EnergyReading reading = meter.stop(10, 0.8);  // 450 W × 0.8 × 10 s
  EXPECT_EQ(reading.source, EnergySource::estimated);
  EXPECT_DOUBLE_EQ(reading.joules, 3600);
  EXPECT_STREQ(energy_source_name(reading.source), "estimated");
}

}  // namespace
}  // namespace moecap::host

namespace moecap::host {
namespace {

// Where the NVIDIA driver is present (a GPU machine), the counters are found through dlopen and read;
// elsewhere the reader is simply unavailable and the meter falls back to the estimate.
TEST(NvmlReader, ReadsEnergyCountersWhereTheDriverIsPresent) {
  const NvmlReader nvml;
  if (!nvml.available()) GTEST_SKIP() << "no libnvidia-ml.so.1 or no GPU with an energy counter";
  EXPECT_GT(nvml.device_count(), 0);
  const auto before = nvml.sample();
  const auto after = nvml.sample();
  ASSERT_EQ(before.size(), static_cast<size_t>(nvml.device_count()));
  EXPECT_GT(before[0], 0u);  // millijoules since the driver loaded
  EXPECT_GE(nvml.joules_between(before, after), 0.0);
  EnergyMeter meter({"/nonexistent-powercap", true, 0});
  EXPECT_TRUE(meter.measures());
  meter.start();
  const EnergyReading reading = meter.stop(0);
  EXPECT_EQ(reading.source, EnergySource::measured);
  EXPECT_NE(reading.detail.find("nvml"), std::string::npos);
}

}  // namespace
}  // namespace moecap::host

namespace moecap::host {
namespace {

// Each step is charged the average power of its interval × its own latency; the gap before the first
// recorded step (warm-up) and host time are not charged.
TEST_F(FakePowercap, PhaseEnergyChargesEachStepItsIntervalsPowerTimesLatency) {
  zone("intel-rapl:0", "package-0", 0, 262'143'328'850);
  EnergyMeter::Options options;
  options.powercap_root = root_;
  options.use_nvml = false;
  options.estimate_tdp_w = 999;  // unused: the counter is readable
  PhaseEnergy energy(options, true);
  ASSERT_EQ(energy.source(), EnergySource::measured);
  energy.begin(10.0);
  set("intel-rapl:0", 20'000'000);  // 20 J over 0.2 s: 100 W
  energy.add_step(StepMode::prefill, 0.15, 10.2);
  set("intel-rapl:0", 25'000'000);  // 5 J over 0.1 s: 50 W
  energy.add_step(StepMode::decode, 0.08, 10.3);
  set("intel-rapl:0", 30'000'000);  // 5 J over 0.1 s: 50 W
  energy.add_step(StepMode::decode, 0.1, 10.4);
  EXPECT_NEAR(energy.joules(StepMode::prefill), 100 * 0.15, 1e-9);
  EXPECT_NEAR(energy.joules(StepMode::decode), 50 * 0.08 + 50 * 0.1, 1e-9);
  EXPECT_DOUBLE_EQ(energy.joules(StepMode::mixed), 0);
  EXPECT_NEAR(energy.total_joules(), 24, 1e-9);
  EXPECT_NE(energy.detail().find("measured: rapl: package-0"), std::string::npos) << energy.detail();
}

TEST_F(FakePowercap, PhaseEnergyEstimatesFromTdpWhenCountersMustNotBeUsed) {
  zone("intel-rapl:0", "package-0", 0, 262'143'328'850);
  EnergyMeter::Options options;
  options.powercap_root = root_;
  options.use_nvml = false;
  options.estimate_tdp_w = 300;
  PhaseEnergy energy(options, false);  // the system judged is not this machine
  ASSERT_EQ(energy.source(), EnergySource::estimated);
  energy.begin(0);
  energy.add_step(StepMode::mixed, 0.5, 2.0);
  EXPECT_DOUBLE_EQ(energy.joules(StepMode::mixed), 150);
  EXPECT_NE(energy.detail().find("not this machine"), std::string::npos) << energy.detail();
}

}  // namespace
}  // namespace moecap::host
