// The reference backend against the independent oracle: every logit of every position, and every token's
// routing, on tiny models whose weights come from the synthetic plugin.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "logits_match.hpp"
#include "oracle_forward.hpp"
#include "plugin_harness.hpp"

namespace moecap::test {
namespace {

std::vector<int32_t> test_tokens(int32_t count, int32_t vocab, uint32_t salt) {
  std::vector<int32_t> tokens;
  uint32_t state = 12345u + salt;
  for (int32_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    tokens.push_back(static_cast<int32_t>((state >> 8) % static_cast<uint32_t>(vocab)));
  }
  return tokens;
}

void expect_agreement(const SyntheticModel& model, int32_t n_tokens) {
  const moecap_model_desc& d = model.desc();
  const std::vector<int32_t> tokens = test_tokens(n_tokens, d.vocab_size, static_cast<uint32_t>(d.vocab_size));
  const OracleResult oracle = oracle_forward(
      d, [&](const std::string& name) { return model.weight(name); }, tokens);

  ReferenceSession session(model);
  const StepOutput out = session.step({{1, 0, tokens, MOECAP_LOGITS_ALL}});
  ASSERT_EQ(out.status[0], MOECAP_OK);

  double max_relative = 0;
  size_t exact = 0, mismatches = 0;
  const auto vocab = static_cast<size_t>(d.vocab_size);
  for (size_t t = 0; t < tokens.size(); ++t) {
    for (size_t v = 0; v < vocab; ++v) {
      const float got = out.logits[t * vocab + v];
      const double want = oracle.logits[t][v];
      exact += got == static_cast<float>(want);
      max_relative = std::max(max_relative, std::fabs(got - want) / std::fabs(want));
      if (!f32_rounding_within(got, want, 1e-9) && ++mismatches <= 5)
        ADD_FAILURE() << "position " << t << " token " << v << ": backend " << got << ", oracle " << want;
    }
    for (int32_t layer = 0; layer < d.n_layers; ++layer) {
      std::vector<int32_t> chosen;
      for (int32_t j = 0; j < session.topk_stride(); ++j) {
        const int32_t id = out.topk_ids[(t * static_cast<size_t>(d.n_layers) + static_cast<size_t>(layer)) *
                                            static_cast<size_t>(session.topk_stride()) +
                                        static_cast<size_t>(j)];
        if (id >= 0) chosen.push_back(id);
      }
      EXPECT_EQ(chosen, oracle.routing[t][static_cast<size_t>(layer)]) << "position " << t << " layer " << layer;
    }
  }
  EXPECT_EQ(mismatches, 0u);
  std::printf(
      "[ oracle   ] %s: %zu logits, %zu equal to the oracle rounded to f32, max |f32 - oracle| / |oracle| = %.3g\n",
      d.name, tokens.size() * vocab, exact, max_relative);
}

TEST(OracleAgreement, MixtralTinyF32) {
  SyntheticModel model(PluginConfig::from_preset(model_preset("mixtral-tiny.toml"), 11));
  expect_agreement(model, 17);
}

TEST(OracleAgreement, MixtralTinyBf16Weights) {
  SyntheticModel model(PluginConfig::from_preset(model_preset("mixtral-tiny.toml"), 11, "bf16"));
  expect_agreement(model, 9);
}

TEST(OracleAgreement, Qwen2MoeTinySharedExpertsDenseLayerQkvBias) {
  SyntheticModel model(PluginConfig::from_preset(model_preset("qwen2_moe-tiny.toml"), 5));
  expect_agreement(model, 13);
}

TEST(OracleAgreement, TiedHeadPartialRotaryUngatedSharedExperts) {
  SyntheticModel model(PluginConfig(R"(
seed = 3
init_scale = 0.2
[description]
family = "mixtral"
vocab_size = 40
hidden_size = 24
n_layers = 2
tie_word_embeddings = true
[description.attention]
n_heads = 3
n_kv_heads = 1
head_dim = 8
partial_rotary_factor = 0.5
rope_theta = 500.0
[description.ffn]
n_experts = 6
top_k = 3
expert_intermediate_size = 12
n_shared_experts = 2
shared_expert_intermediate_size = 8
)"));
  expect_agreement(model, 11);
}

}  // namespace
}  // namespace moecap::test
