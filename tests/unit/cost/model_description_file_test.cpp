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

namespace moecap::host {
namespace {

// What RUN records store for `moecap analyze`: written back, every preset gives the same accounting (and
// writing it again gives the same text).
TEST(ModelDescriptionFile, WrittenBackEveryPresetKeepsItsAccounting) {
  for (const auto& entry : std::filesystem::directory_iterator(MOECAP_MODEL_PRESET_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().filename().string());
    const auto original = load_model_description(entry.path().string(), {});
    const std::string text = model_description_toml(original->desc, original->qk_norm_scope);
    const auto again = parse_model_description(text, "written");
    EXPECT_EQ(model_description_toml(again->desc, again->qk_norm_scope), text);
    for (QkNormScope scope : {QkNormScope::per_head, QkNormScope::whole_projection}) {
      AccountingOptions options;
      options.qk_norm_scope = scope;
      const ModelAccounting a(original->desc, options);
      const ModelAccounting b(again->desc, options);
      EXPECT_EQ(a.total_params(), b.total_params());
      EXPECT_EQ(a.active_params(), b.active_params());
      EXPECT_EQ(a.kv_elements_per_token(), b.kv_elements_per_token());
      EXPECT_DOUBLE_EQ(a.sparse_weight_flops_per_token(), b.sparse_weight_flops_per_token());
      EXPECT_DOUBLE_EQ(a.attention_score_flops(100, 1), b.attention_score_flops(100, 1));
    }
    EXPECT_EQ(again->qk_norm_scope, original->qk_norm_scope);
    EXPECT_EQ(std::string(again->desc.name), std::string(original->desc.name));
  }
}

}  // namespace
}  // namespace moecap::host
