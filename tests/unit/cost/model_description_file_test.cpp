// A preset TOML read in core gives the same accounting as a hand-built description.
#include "moecap/host/model_description_file.hpp"

#include <gtest/gtest.h>

#include "model_presets.hpp"
#include "moecap/host/model_accounting.hpp"

namespace moecap::host {
namespace {

constexpr const char* kDeepSeekV3 = R"(
name = "deepseek-v3"
family = "deepseek_v3"
vocab_size = 129280
hidden_size = 7168
n_layers = 61
dense_layers = [0, 1, 2]
[attention]
kind = "mla"
n_heads = 128
q_lora_rank = 1536
kv_lora_rank = 512
qk_nope_head_dim = 128
qk_rope_head_dim = 64
v_head_dim = 128
[ffn]
n_experts = 256
top_k = 8
expert_intermediate_size = 2048
router_scoring = "sigmoid"
score_correction_bias = true
n_group = 8
topk_group = 4
n_shared_experts = 1
[dense_ffn]
intermediate_size = 18432
)";

TEST(ModelDescriptionFile, DeepSeekV3PresetMatchesTheHandBuiltDescription) {
  const auto file = parse_model_description(kDeepSeekV3, "deepseek-v3.toml");
  const ModelAccounting parsed(file->desc);
  const auto preset = test::deepseek_v3();
  const ModelAccounting expected(preset->desc());
  EXPECT_EQ(parsed.total_params(), expected.total_params());
  EXPECT_EQ(parsed.active_params(), expected.active_params());
  EXPECT_EQ(parsed.kv_elements_per_token(), expected.kv_elements_per_token());
  EXPECT_EQ(parsed.n_moe_layers(), 58);
  EXPECT_EQ(file->name, "deepseek-v3");
}

TEST(ModelDescriptionFile, ReadsEveryPresetOfTheSourceTree) {
  for (const char* name : {"deepseek_v2-tiny", "deepseek_v3-tiny", "mixtral-tiny", "qwen2_moe-tiny"}) {
    const auto file = load_model_description(name, {MOECAP_MODEL_PRESET_DIR});
    EXPECT_NO_THROW(ModelAccounting{file->desc}) << name;
  }
}

TEST(ModelDescriptionFile, ErrorsNameTheFileAndKey) {
  try {
    parse_model_description("family = \"mixtral\"\nvocab_size = 10\n", "m.toml");
    FAIL();
  } catch (const ModelDescriptionError& e) {
    EXPECT_NE(std::string(e.what()).find("m.toml"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("hidden_size"), std::string::npos);
  }
  EXPECT_THROW(load_model_description("no-such-preset", {MOECAP_MODEL_PRESET_DIR}), ModelDescriptionError);
  EXPECT_THROW(parse_model_description("family = [", "bad.toml"), ModelDescriptionError);
}

}  // namespace
}  // namespace moecap::host
