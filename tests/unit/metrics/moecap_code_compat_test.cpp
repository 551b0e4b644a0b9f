// The MoE-CAP-code-compatible variant reproduces the worked vectors of moe-cap-method.md §12.
#include "moecap/host/moecap_code_compat.hpp"

#include <gtest/gtest.h>

#include "model_presets.hpp"
#include "step_trace.hpp"

namespace moecap::host {
namespace {

constexpr HardwarePeaks kTwoA100{2 * 2.039e12, 2 * 312e12};  // dense peaks: their 624 TF table value / 2

TEST(MoeCapCodeCompat, DecodeVector) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  const MoeCapCodePass pass{
      .latency_s = 0.05, .seq_lens_sum = 16384, .expert_activation = 6.44, .tokens_per_s = 16 / 0.05};
  const MoeCapCodeUtilisation u = moecap_code_utilisation(pass, model, kTwoA100);
  EXPECT_NEAR(u.s_mbu, 0.37979, 5e-6);
  EXPECT_NEAR(u.s_mfu, 0.011563, 5e-7);
}

TEST(MoeCapCodeCompat, PrefillVector) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  const MoeCapCodePass pass{.latency_s = 0.5, .seq_lens_sum = 4000, .expert_activation = 8, .tokens_per_s = 4000 / 0.5};
  const MoeCapCodeUtilisation u = moecap_code_utilisation(pass, model, kTwoA100);
  EXPECT_NEAR(u.s_mbu, 0.045808, 5e-7);
  EXPECT_NEAR(u.s_mfu, 0.205844, 5e-7);
}

TEST(MoeCapCodeCompat, PassFromAStepRecord) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  StepRecord step = test::make_step(std::vector<int64_t>(16, 1024), std::vector<int64_t>(16, 1), 0.05, 32, 8);
  for (int32_t layer = 0; layer < 32; ++layer) test::spread(step, layer, layer < 18 ? 6 : 7, 32);
  const MoeCapCodePass pass = moecap_code_pass(step, model);
  EXPECT_EQ(pass.seq_lens_sum, 16384);
  EXPECT_DOUBLE_EQ(pass.expert_activation, 6.4375);
  EXPECT_DOUBLE_EQ(pass.tokens_per_s, 320);
  const double expected = 2 * (32 * 41'943'040.0 + 6.4375 * 32 * 176'160'768.0 + 16384 * 65'536.0) / 0.05 / 4.078e12;
  EXPECT_DOUBLE_EQ(moecap_code_utilisation(pass, model, kTwoA100).s_mbu, expected);
}

TEST(MoeCapCodeCompat, DeepSeekUsesRealSharedSizeAndDenseLayers) {
  const auto preset = test::deepseek_v3();
  const ModelAccounting model(preset->desc());
  const MoeCapCodePass pass{.latency_s = 1, .seq_lens_sum = 0, .expert_activation = 8, .tokens_per_s = 1};
  const MoeCapCodeUtilisation u = moecap_code_utilisation(pass, model, {1, 1});
  // §4.5 DeepSeek: L·S_attn + L_moe·(A·E + Sh) + L_dense·Dn, Sh = 1 shared expert (not the coded 2·E).
  const double params = 61 * 187'105'280.0 + 58 * (8 * 44'040'192.0 + 44'040'192) + 3 * 396'361'728.0;
  EXPECT_DOUBLE_EQ(u.s_mbu, 2 * params);
}

}  // namespace
}  // namespace moecap::host
