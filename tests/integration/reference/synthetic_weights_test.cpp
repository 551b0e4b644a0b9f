// The synthetic model's weights: deterministic from the seed, bf16/f16 are the f32 values rounded, every
// canonical name with its shape, and the init the README promises.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <map>

#include "plugin_harness.hpp"

namespace moecap::test {
namespace {

bool same_bytes(const moecap_tensor_view& a, const moecap_tensor_view& b) {
  return a.nbytes == b.nbytes && std::memcmp(a.data, b.data, a.nbytes) == 0;
}

/// Round-to-nearest-even to bf16 by comparing the two neighbours in double (a different route from the
/// plugin's integer trick).
uint16_t bf16_nearest(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t down = bits & 0xffff0000u;
  const uint32_t up = down + 0x10000u;
  const double below = std::fabs(double{value} - double{std::bit_cast<float>(down)});
  const double above = std::fabs(double{std::bit_cast<float>(up)} - double{value});
  if (below < above) return static_cast<uint16_t>(down >> 16);
  if (above < below) return static_cast<uint16_t>(up >> 16);
  return static_cast<uint16_t>(((down >> 16) & 1u) == 0 ? down >> 16 : up >> 16);
}

TEST(SyntheticWeights, SameSeedSameWeightsOtherSeedOtherWeights) {
  const std::string preset = model_preset("deepseek_v3-tiny.toml");
  SyntheticModel a(PluginConfig::from_preset(preset, 7));
  SyntheticModel b(PluginConfig::from_preset(preset, 7));
  SyntheticModel c(PluginConfig::from_preset(preset, 8));
  const auto wa = a.all_weights(), wb = b.all_weights(), wc = c.all_weights();
  ASSERT_EQ(wa.size(), wb.size());
  ASSERT_EQ(wa.size(), wc.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    EXPECT_STREQ(wa[i].name, wb[i].name);
    EXPECT_TRUE(same_bytes(wa[i], wb[i])) << wa[i].name;
    EXPECT_FALSE(same_bytes(wa[i], wc[i])) << wa[i].name;
  }
}

TEST(SyntheticWeights, Bf16AndF16AreTheF32ValuesRounded) {
  const std::string preset = model_preset("mixtral-tiny.toml");
  SyntheticModel f32(PluginConfig::from_preset(preset, 3, "f32"));
  SyntheticModel bf16(PluginConfig::from_preset(preset, 3, "bf16"));
  SyntheticModel f16(PluginConfig::from_preset(preset, 3, "f16"));
  EXPECT_EQ(bf16.desc().weight_dtype, MOECAP_DTYPE_BF16);
  EXPECT_EQ(f16.desc().weight_dtype, MOECAP_DTYPE_F16);
  const auto w32 = f32.all_weights(), wb = bf16.all_weights(), wh = f16.all_weights();
  size_t checked = 0;
  for (size_t i = 0; i < w32.size(); ++i) {
    ASSERT_EQ(wb[i].dtype, MOECAP_DTYPE_BF16);
    ASSERT_EQ(wb[i].nbytes * 2, w32[i].nbytes);
    const auto* exact = static_cast<const float*>(w32[i].data);
    const auto* b = static_cast<const uint16_t*>(wb[i].data);
    const auto* h = static_cast<const uint16_t*>(wh[i].data);
    for (size_t j = 0; j < w32[i].nbytes / 4; ++j, ++checked) {
      ASSERT_EQ(b[j], bf16_nearest(exact[j])) << w32[i].name << "[" << j << "]";
      const auto rounded = static_cast<_Float16>(exact[j]);  // the compiler's IEEE conversion
      ASSERT_EQ(h[j], std::bit_cast<uint16_t>(rounded)) << w32[i].name << "[" << j << "]";
    }
  }
  EXPECT_GT(checked, 10000u);
}

TEST(SyntheticWeights, CanonicalNamesAndShapes) {
  SyntheticModel model(PluginConfig::from_preset(model_preset("deepseek_v2-tiny.toml"), 0));
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const moecap_tensor_view& v : model.all_weights())
    shapes[v.name] = std::vector<int64_t>(v.shape, v.shape + v.ndim);
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(shapes.at("embed_tokens"), (Shape{96, 32}));
  EXPECT_EQ(shapes.at("lm_head"), (Shape{96, 32}));
  EXPECT_EQ(shapes.at("final_norm"), (Shape{32}));
  EXPECT_EQ(shapes.at("layers.0.ffn.gate"), (Shape{64, 32}));  // the dense first layer
  EXPECT_EQ(shapes.count("layers.0.moe.router"), 0u);
  EXPECT_EQ(shapes.at("layers.1.attn.q_a"), (Shape{24, 32}));
  EXPECT_EQ(shapes.at("layers.1.attn.q_a_norm"), (Shape{24}));
  EXPECT_EQ(shapes.at("layers.1.attn.q_b"), (Shape{4 * 12, 24}));
  EXPECT_EQ(shapes.at("layers.1.attn.kv_a"), (Shape{16 + 4, 32}));
  EXPECT_EQ(shapes.at("layers.1.attn.kv_a_norm"), (Shape{16}));
  EXPECT_EQ(shapes.at("layers.1.attn.kv_b"), (Shape{4 * (8 + 8), 16}));
  EXPECT_EQ(shapes.at("layers.1.attn.o"), (Shape{32, 4 * 8}));
  EXPECT_EQ(shapes.at("layers.2.moe.router"), (Shape{8, 32}));
  EXPECT_EQ(shapes.at("layers.2.moe.experts.7.down"), (Shape{32, 16}));
  EXPECT_EQ(shapes.at("layers.2.moe.shared.up"), (Shape{2 * 16, 32}));
  EXPECT_EQ(shapes.count("layers.2.moe.score_bias"), 0u);
  // 1 embed + 1 head + 1 final norm; dense layer: 2 norms + 7 MLA (q LoRA) + 3 MLP; MoE layers: 2 norms +
  // 7 MLA + router + 8 experts × 3 + shared × 3.
  EXPECT_EQ(shapes.size(), 3u + (2 + 7 + 3) + 2 * (2 + 7 + 1 + 24 + 3));
  const moecap_tensor_view found = model.weight("layers.1.attn.kv_b");
  EXPECT_STREQ(found.name, "layers.1.attn.kv_b");
}

TEST(SyntheticWeights, InitScaleAndNormsNearOne) {
  SyntheticModel model(PluginConfig::from_preset(model_preset("mixtral-quickstart.toml"), 0));
  auto moments = [&](const std::string& name) {
    const moecap_tensor_view v = model.weight(name);
    const auto* x = static_cast<const float*>(v.data);
    const size_t n = v.nbytes / 4;
    double sum = 0, squares = 0;
    for (size_t i = 0; i < n; ++i) sum += x[i], squares += double{x[i]} * x[i];
    const double mean = sum / static_cast<double>(n);
    return std::pair{mean, std::sqrt(squares / static_cast<double>(n) - mean * mean)};
  };
  const auto [matrix_mean, matrix_std] = moments("layers.0.moe.experts.0.up");  // 131072 samples
  EXPECT_NEAR(matrix_mean, 0.0, 0.001);
  EXPECT_NEAR(matrix_std, 0.02, 0.0005);
  const auto [norm_mean, norm_std] = moments("layers.3.ffn_norm");
  EXPECT_NEAR(norm_mean, 1.0, 0.01);
  EXPECT_LT(norm_std, 0.05);
}

}  // namespace
}  // namespace moecap::test
