// TPOT → bandwidth/compute/memory requirement (moe-cap-method.md §5, §11.1, §12 "Bandwidth requirement").
#include "moecap/host/tpot_requirement.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "model_presets.hpp"
#include "moecap/host/routing_expectation.hpp"

namespace moecap::host {
namespace {

// The paper's figures (§11.1): DeepSeek-R1/V3 (671B total, 37B active, bf16) at TPOT 0.1 s needs
// 18,901 GB/s fully activated and 1,040 GB/s at batch 1 (2 × params / 0.1 / 0.71). Ours count the bytes a
// step reads (embedding by rows), so they agree within 3%.
TEST(TpotRequirement, DeepSeekV3FullyActivatedMatchesPaperWithin3Percent) {
  const auto preset = test::deepseek_v3();
  const ModelAccounting model(preset->desc());
  TpotTarget target;
  target.tpot_s = 0.1;
  target.batch = 1;
  target.smbu = 0.71;
  target.activation = ExpertActivation::full;
  const TpotRequirement r = tpot_requirement(model, target);
  EXPECT_EQ(r.experts_per_moe_layer, 256);
  EXPECT_NEAR(r.bandwidth_bytes_per_s / 18'901e9, 1.0, 0.03);
  // Everything but the embedding table's unread rows: the bytes are total weights − (V − 1)·d elements.
  const double expected = model.weight_bytes(model.total_params()) - model.weight_bytes(int64_t{129279} * 7168);
  EXPECT_NEAR(r.bytes.total(), expected, 1.0);
  EXPECT_EQ(r.bytes.kv, 0);
}

TEST(TpotRequirement, DeepSeekV3BatchOneMatchesPaperWithin3Percent) {
  const auto preset = test::deepseek_v3();
  const ModelAccounting model(preset->desc());
  TpotTarget target;
  target.tpot_s = 0.1;
  target.batch = 1;
  target.smbu = 0.71;
  const TpotRequirement r = tpot_requirement(model, target);
  EXPECT_DOUBLE_EQ(r.experts_per_moe_layer, 8.0);  // U(256, 8, 1) = k
  EXPECT_NEAR(r.bandwidth_bytes_per_s / 1'040e9, 1.0, 0.03);
  // At batch 1 a step reads exactly the parameters one token uses, embedding by one row.
  const double active = static_cast<double>(model.active_params_excluding_embedding() + 7168);
  EXPECT_NEAR(r.bytes.total(), 2 * active, 1.0);
}

TEST(TpotRequirement, UniformExpectationScalesRoutedBytesPerLayer) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  TpotTarget target;
  target.tpot_s = 0.05;
  target.batch = 16;
  const TpotRequirement r = tpot_requirement(model, target);
  const double u = expected_activated_experts(8, 2, 16);  // 7.92 (§12)
  EXPECT_NEAR(r.experts_per_moe_layer, u, 1e-12);
  EXPECT_NEAR(r.bytes.routed_experts, 32 * u * model.layer(0).routed_expert * 2.0, 1.0);
  EXPECT_DOUBLE_EQ(r.bytes.embedding_rows, 16 * 4096 * 2.0);
  EXPECT_DOUBLE_EQ(r.bandwidth_bytes_per_s, r.bytes.total() / 0.05);
}

TEST(TpotRequirement, KvCountsEverySequenceAtTheKvDtype) {
  const auto preset = test::mixtral_8x7b();
  AccountingOptions options;
  options.kv_bytes_per_element = 1;  // fp8 KV under bf16 weights
  const ModelAccounting model(preset->desc(), options);
  TpotTarget target;
  target.batch = 4;
  target.context = 1000;
  const TpotRequirement r = tpot_requirement(model, target);
  // Mixtral: 2 · 32 layers · 8 KV heads · 128 = 65,536 KV elements per token (§12).
  EXPECT_DOUBLE_EQ(r.bytes.kv, 4.0 * 1000 * 65'536);
  EXPECT_DOUBLE_EQ(r.memory_bytes, model.weight_bytes(model.total_params()) + r.bytes.kv);
}

TEST(TpotRequirement, FlopsAreSmfuFlopsPerStep) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  TpotTarget target;
  target.tpot_s = 0.1;
  target.batch = 2;
  target.context = 100;
  const TpotRequirement r = tpot_requirement(model, target);
  const double per_token = model.sparse_weight_flops_per_token() + 4.0 * 32 * 32 * 128 * 100;
  EXPECT_DOUBLE_EQ(r.flops_per_step, 2 * per_token);
  EXPECT_DOUBLE_EQ(r.flops_per_s, 2 * per_token / 0.1);
}

TEST(TpotRequirement, MeasuredActivationIsCappedAtTheExpertCount) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  TpotTarget target;
  target.activation = ExpertActivation::measured;
  target.measured_experts_per_layer = 6.44;
  EXPECT_DOUBLE_EQ(tpot_requirement(model, target).experts_per_moe_layer, 6.44);
  target.measured_experts_per_layer = 12;
  EXPECT_DOUBLE_EQ(tpot_requirement(model, target).experts_per_moe_layer, 8);
}

TEST(TpotRequirement, RejectsBadTargets) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  TpotTarget target;
  target.tpot_s = 0;
  EXPECT_THROW(tpot_requirement(model, target), std::invalid_argument);
  target = {};
  target.smbu = 1.5;
  EXPECT_THROW(tpot_requirement(model, target), std::invalid_argument);
  target = {};
  target.batch = 0;
  EXPECT_THROW(tpot_requirement(model, target), std::invalid_argument);
}

// Devices by bandwidth, compute and memory against the catalog (values from configs/hardware).
TEST(HardwareFits, CountsDevicesByBandwidthComputeAndMemory) {
  const auto preset = test::deepseek_v3();
  const ModelAccounting model(preset->desc());
  TpotTarget target;
  target.tpot_s = 0.1;
  target.smbu = 0.71;
  const TpotRequirement r = tpot_requirement(model, target);  // ≈ 1.05 TB/s, 1.34 TB of weights
  const HardwareCatalog catalog = HardwareCatalog::load(MOECAP_HARDWARE_CATALOG_DIR);
  const auto fits = hardware_fits(r, catalog, ComputeDtype::bf16, {"rtx-4090", "h200"});
  ASSERT_EQ(fits.size(), 2u);
  EXPECT_EQ(fits[0].device->id, "rtx-4090");
  EXPECT_EQ(fits[0].for_bandwidth, 2);  // 1,008 GB/s < 1.05 TB/s
  EXPECT_EQ(fits[0].for_compute, 1);
  EXPECT_EQ(fits[0].for_memory, static_cast<int64_t>(std::ceil(r.memory_bytes / 24e9)));
  EXPECT_EQ(fits[1].device->id, "h200");
  EXPECT_EQ(fits[1].for_bandwidth, 1);
  EXPECT_EQ(fits[1].for_memory, static_cast<int64_t>(std::ceil(r.memory_bytes / 141e9)));
  EXPECT_EQ(fits[1].needed(), fits[1].for_memory);
  EXPECT_FALSE(fits[1].single_device());
  EXPECT_THROW(hardware_fits(r, catalog, ComputeDtype::bf16, {"no-such-gpu"}), std::out_of_range);
}

}  // namespace
}  // namespace moecap::host
