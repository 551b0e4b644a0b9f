// The hardware catalog: the shipped configs/hardware folder loads, lookups normalise, and every kind of
// bad input is an error that points at file:line:col.
#include "moecap/host/hardware_catalog.hpp"

#include <gtest/gtest.h>

#include <string>

namespace moecap::host {
namespace {

// Expects parse() to throw HardwareCatalogError whose message starts with `position` and contains `text`.
void expect_error(const std::string& toml, const std::string& position, const std::string& text) {
  try {
    (void)HardwareCatalog::parse(toml, "dev.toml");
    ADD_FAILURE() << "no error for:\n" << toml;
  } catch (const HardwareCatalogError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(position, 0), 0u) << message;
    EXPECT_NE(message.find(text), std::string::npos) << message;
  }
}

constexpr const char* kMinimalGpu = R"(id = "Test GPU"
name = "Test GPU"
kind = "gpu"
memory_gb = 16
memory_bandwidth_gb_s = 1000
tdp_w = 300
price_usd = 1000
[dense_peak_tflops]
bf16 = 100
)";

TEST(HardwareCatalog, ShippedCatalogLoads) {
  const HardwareCatalog catalog = HardwareCatalog::load(MOECAP_HARDWARE_CATALOG_DIR);
  for (const char* id :
       {"a100-sxm4-80gb", "a100-pcie-80gb", "h100-sxm", "h100-pcie", "h200", "b200", "mi300x", "rtx-4090", "rtx-5090",
        "rtx-a6000", "l40s", "apple-m3-max", "jetson-agx-orin-64gb", "epyc-9654", "ddr5-rdimm", "nvme-gen4-ssd"}) {
    EXPECT_NE(catalog.find(id), nullptr) << id;
  }
  EXPECT_EQ(catalog.devices().size(), 16u);

  // The §12 setup: 2 × A100-SXM4-80GB, 2.039 TB/s and 312 dense bf16 TFLOPS each.
  const HardwareDevice& a100 = catalog.at("NVIDIA A100-SXM4-80GB");  // the nvidia-smi name
  EXPECT_EQ(a100.id, "a100-sxm4-80gb");
  EXPECT_DOUBLE_EQ(a100.peak_flops(ComputeDtype::bf16), 312e12);
  const HardwarePeaks peaks = a100.peaks(ComputeDtype::bf16, 2);
  EXPECT_DOUBLE_EQ(peaks.bandwidth_bytes_per_s, 4.078e12);
  EXPECT_DOUBLE_EQ(peaks.flops_per_s, 624e12);
  EXPECT_DOUBLE_EQ(*a100.price_usd, 19000);
  EXPECT_DOUBLE_EQ(*a100.memory_bytes, 80e9);
  EXPECT_THROW((void)a100.peak_flops(ComputeDtype::fp8), std::out_of_range);  // Ampere has no FP8

  EXPECT_EQ(catalog.at("NVIDIA H100 80GB HBM3").id, "h100-sxm");
  EXPECT_DOUBLE_EQ(catalog.at("h100-sxm").peak_flops(ComputeDtype::bf16), 989.4e12);  // dense, not 1979
  EXPECT_DOUBLE_EQ(*catalog.at("ddr5-rdimm").price_usd_per_gb, 4.5);
  EXPECT_EQ(catalog.at("nvme-gen4-ssd").kind, DeviceKind::ssd);
  EXPECT_THROW((void)catalog.at("tpu-v5"), std::out_of_range);

  // Every compute device has the numbers cost and utilisation need.
  for (const HardwareDevice& device : catalog.devices()) {
    if (device.kind == DeviceKind::gpu || device.kind == DeviceKind::soc || device.kind == DeviceKind::cpu) {
      EXPECT_TRUE(device.memory_bandwidth_bytes_per_s && device.tdp_w && device.price_usd) << device.id;
      EXPECT_FALSE(device.dense_peak_flops_per_s.empty()) << device.id;
    }
  }
}

TEST(HardwareCatalog, NormalisesIds) {
  EXPECT_EQ(normalise_device_id("NVIDIA H100 80GB HBM3"), "nvidia-h100-80gb-hbm3");
  EXPECT_EQ(normalise_device_id("  A100_SXM4--80GB "), "a100-sxm4-80gb");
  EXPECT_EQ(normalise_device_id("--"), "");
}

TEST(HardwareCatalog, ParsesAMinimalEntry) {
  const HardwareCatalog catalog = HardwareCatalog::parse(kMinimalGpu, "dev.toml");
  const HardwareDevice& gpu = catalog.at("test gpu");
  EXPECT_EQ(gpu.id, "test-gpu");
  EXPECT_DOUBLE_EQ(gpu.peak_flops(ComputeDtype::bf16), 100e12);
  EXPECT_DOUBLE_EQ(*gpu.memory_bandwidth_bytes_per_s, 1000e9);
  EXPECT_FALSE(gpu.host_link_bytes_per_s.has_value());
}

TEST(HardwareCatalog, ErrorsPointAtTheSource) {
  expect_error(std::string(kMinimalGpu) + "fp99 = 1\n", "dev.toml:10:8", "unknown dtype 'fp99'");
  expect_error("bandwidth = 5\n" + std::string(kMinimalGpu), "dev.toml:1:1", "unknown key 'bandwidth'");
  expect_error(R"(id = "x"
name = "x"
kind = "gpu"
memory_gb = "lots"
)",
               "dev.toml:4:13", "'memory_gb' must be a number");
  expect_error(R"(id = "x"
name = "x"
kind = "gpu"
memory_gb = -1
)",
               "dev.toml:4:13", "must be > 0");
  expect_error(R"(id = "x"
name = "x"
kind = "tpu"
)",
               "dev.toml:3:8", "'kind' must be one of");
  expect_error(R"(id = "x"
name = "x"
kind = "gpu"
memory_gb = 1
)",
               "dev.toml", "needs 'memory_bandwidth_gb_s'");
  expect_error("name = \"x\"\n", "dev.toml", "missing required key 'id'");
  expect_error("id = \"x\nname = 1\n", "dev.toml:1:", "");  // a TOML syntax error keeps its position
}

TEST(HardwareCatalog, DuplicateIdsAcrossFilesAreErrors) {
  HardwareCatalog catalog = HardwareCatalog::parse(kMinimalGpu, "a.toml");
  const HardwareCatalog again = HardwareCatalog::parse(kMinimalGpu, "b.toml");
  EXPECT_THROW(catalog.merge(again), HardwareCatalogError);
}

TEST(HardwareCatalog, MissingPathIsAnError) {
  EXPECT_THROW(HardwareCatalog::load("no/such/folder"), HardwareCatalogError);
}

}  // namespace
}  // namespace moecap::host
