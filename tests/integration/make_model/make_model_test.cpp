// make-model's checkpoints, per family: written from the synthetic model, read back by model-hf, the same
// description and weights, and the reference backend's logits are identical on both.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "moecap/host/hf_checkpoint_writer.hpp"
#include "moecap/host/model_lookup.hpp"
#include "plugin_harness.hpp"

namespace moecap::test {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("moecap-make-model-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

host::PluginRegistry& registry() {
  static host::PluginRegistry instance(host::PluginSearchPaths::only({MOECAP_TEST_PLUGIN_DIR}));
  return instance;
}

std::shared_ptr<host::Model> open_preset(const std::string& preset, const std::string& dtype, uint64_t seed) {
  const auto argument =
      host::resolve_model_argument(std::string(MOECAP_TEST_MODEL_PRESET_DIR) + "/" + preset + ".toml", {});
  return host::open_model(registry(), argument, {.weights = true, .dtype = dtype, .seed = seed});
}

std::shared_ptr<host::Model> open_directory(const fs::path& dir) {
  return host::open_model(registry(), host::resolve_model_argument(dir.string(), {}), {});
}

void expect_same_description(const moecap_model_desc& a, const moecap_model_desc& b) {
  EXPECT_STREQ(a.family, b.family);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.hidden_size, b.hidden_size);
  EXPECT_EQ(a.n_layers, b.n_layers);
  EXPECT_EQ(a.norm_kind, b.norm_kind);
  EXPECT_EQ(a.norm_eps, b.norm_eps);
  EXPECT_EQ(a.tie_word_embeddings, b.tie_word_embeddings);
  EXPECT_EQ(a.bos_token_id, b.bos_token_id);
  EXPECT_EQ(a.eos_token_id, b.eos_token_id);
  EXPECT_EQ(a.weight_dtype, b.weight_dtype);
  const auto &x = *a.attention, &y = *b.attention;
  EXPECT_EQ(x.kind, y.kind);
  EXPECT_EQ(x.n_heads, y.n_heads);
  EXPECT_EQ(x.n_kv_heads, y.n_kv_heads);
  EXPECT_EQ(x.head_dim, y.head_dim);
  EXPECT_EQ(x.rope_theta, y.rope_theta);
  EXPECT_EQ(x.rope_interleaved, y.rope_interleaved);
  EXPECT_EQ(x.rope_scaling, y.rope_scaling);
  if (x.rope_scaling != MOECAP_ROPE_NONE) {
    EXPECT_EQ(x.rope_scaling_factor, y.rope_scaling_factor);
    EXPECT_EQ(x.rope_original_max_position, y.rope_original_max_position);
    EXPECT_EQ(x.yarn_mscale, y.yarn_mscale);
    EXPECT_EQ(x.yarn_mscale_all_dim, y.yarn_mscale_all_dim);
  }
  EXPECT_EQ(x.qk_norm, y.qk_norm);
  EXPECT_EQ(x.qkv_bias, y.qkv_bias);
  EXPECT_EQ(x.o_bias, y.o_bias);
  EXPECT_EQ(x.qkv_clip, y.qkv_clip);
  EXPECT_EQ(x.q_lora_rank, y.q_lora_rank);
  EXPECT_EQ(x.kv_lora_rank, y.kv_lora_rank);
  for (int32_t i = 0; i < a.n_layers; ++i) {
    SCOPED_TRACE("layer " + std::to_string(i));
    const auto &f = *a.layer_ffn[i], &g = *b.layer_ffn[i];
    EXPECT_EQ(f.kind, g.kind);
    EXPECT_EQ(f.intermediate_size, g.intermediate_size);
    EXPECT_EQ(f.n_experts, g.n_experts);
    EXPECT_EQ(f.top_k, g.top_k);
    EXPECT_EQ(f.expert_intermediate_size, g.expert_intermediate_size);
    if (f.kind != MOECAP_FFN_MOE) continue;
    EXPECT_EQ(f.router_scoring, g.router_scoring);
    EXPECT_EQ(f.renormalize_topk, g.renormalize_topk);
    EXPECT_EQ(f.routed_scaling_factor, g.routed_scaling_factor);
    EXPECT_EQ(f.n_group, g.n_group);
    EXPECT_EQ(f.topk_group, g.topk_group);
    EXPECT_EQ(f.has_score_correction_bias, g.has_score_correction_bias);
    EXPECT_EQ(f.n_shared_experts, g.n_shared_experts);
    EXPECT_EQ(f.shared_expert_intermediate_size, g.shared_expert_intermediate_size);
    EXPECT_EQ(f.shared_expert_gate, g.shared_expert_gate);
  }
}

struct Case {
  const char* preset;
  const char* dtype;
  int32_t shards;
};

class MakeModel : public ::testing::TestWithParam<Case> {};

TEST_P(MakeModel, HfCheckpointGivesTheSyntheticModelsLogits) {
  const Case c = GetParam();
  const TempDir dir(std::string(c.preset) + "-" + c.dtype);
  const auto synthetic = open_preset(c.preset, c.dtype, 11);
  host::write_hf_checkpoint(*synthetic, dir.path(), {.shards = c.shards});
  ASSERT_TRUE(fs::exists(dir.path() / "config.json"));
  ASSERT_TRUE(fs::exists(dir.path() / "tokenizer.json"));
  ASSERT_EQ(fs::exists(dir.path() / "model.safetensors.index.json"), c.shards > 1);

  const auto hf = open_directory(dir.path());
  expect_same_description(synthetic->describe(), hf->describe());

  // The same canonical weights, byte for byte (DBRX's fused and transposed tensors included).
  ASSERT_EQ(synthetic->weight_count(), hf->weight_count());
  for (int64_t i = 0; i < synthetic->weight_count(); ++i) {
    const moecap_tensor_view want = synthetic->weight_at(i);
    const auto got = hf->weight_find(want.name);
    ASSERT_TRUE(got.has_value()) << want.name;
    ASSERT_EQ(got->ndim, want.ndim) << want.name;
    for (int32_t d = 0; d < want.ndim; ++d) ASSERT_EQ(got->shape[d], want.shape[d]) << want.name;
    ASSERT_EQ(got->nbytes, want.nbytes) << want.name;
    ASSERT_EQ(std::memcmp(got->data, want.data, want.nbytes), 0) << want.name;
  }

  const std::vector<int32_t> tokens{3, 17, 5, 42, 8, 1, 29};
  ReferenceSession from_synthetic(synthetic->describe(), synthetic->weight_source());
  ReferenceSession from_hf(hf->describe(), hf->weight_source());
  const StepOutput a = from_synthetic.step({{1, 0, tokens, MOECAP_LOGITS_ALL}});
  const StepOutput b = from_hf.step({{1, 0, tokens, MOECAP_LOGITS_ALL}});
  ASSERT_EQ(a.status[0], MOECAP_OK);
  ASSERT_EQ(b.status[0], MOECAP_OK);
  ASSERT_EQ(a.logits.size(), b.logits.size());
  for (size_t i = 0; i < a.logits.size(); ++i) ASSERT_EQ(a.logits[i], b.logits[i]) << "logit " << i;
  EXPECT_EQ(a.expert_tokens, b.expert_tokens);
  // A decode step on top, through each KV cache.
  const StepOutput a2 = from_synthetic.step({{1, 7, {9}, MOECAP_LOGITS_LAST}});
  const StepOutput b2 = from_hf.step({{1, 7, {9}, MOECAP_LOGITS_LAST}});
  EXPECT_EQ(a2.logits, b2.logits);
}

INSTANTIATE_TEST_SUITE_P(EveryFamily, MakeModel,
                         ::testing::Values(Case{"mixtral-tiny", "f32", 3}, Case{"qwen2_moe-tiny", "f32", 1},
                                           Case{"qwen3_moe-tiny", "f32", 2}, Case{"olmoe-tiny", "f32", 1},
                                           Case{"deepseek_v2-tiny", "f32", 4}, Case{"deepseek_v3-tiny", "f32", 1},
                                           Case{"dbrx-tiny", "f32", 2}, Case{"mixtral-tiny", "bf16", 1},
                                           Case{"dbrx-tiny", "f16", 1}, Case{"deepseek_v3-tiny", "bf16", 2}),
                         [](const auto& info) {
                           std::string name = std::string(info.param.preset) + "_" + info.param.dtype;
                           for (char& ch : name)
                             if (ch == '-' || ch == '.') ch = '_';
                           return name;
                         });

TEST(MakeModel, ConfigJsonUsesTheFamilysPublishedKeys) {
  const auto dbrx = open_preset("dbrx-tiny", "f32", 0);
  const auto config = host::hf_config_for(dbrx->describe(), host::QkNormScope::per_head);
  EXPECT_EQ(config["architectures"][0], "DbrxForCausalLM");
  EXPECT_EQ(config["d_model"], 32);
  EXPECT_EQ(config["attn_config"]["clip_qkv"], 0.6);
  EXPECT_EQ(config["ffn_config"]["moe_num_experts"], 4);
  const auto v2 = open_preset("deepseek_v2-tiny", "f32", 0);
  const auto c2 = host::hf_config_for(v2->describe(), host::QkNormScope::per_head);
  EXPECT_EQ(c2["topk_method"], "group_limited_greedy");
  EXPECT_EQ(c2["first_k_dense_replace"], 1);
  EXPECT_EQ(c2["rope_scaling"]["type"], "yarn");
}

TEST(MakeModel, CliWritesAShardedCheckpointThatDescribeReads) {
  const TempDir dir("cli");
  const std::string out = dir.path().string();
  const std::string make = std::string(MOECAP_EXE) + " --plugin-path " + MOECAP_TEST_PLUGIN_DIR + " make-model " +
                           MOECAP_TEST_MODEL_PRESET_DIR + "/olmoe-tiny.toml --out " + out +
                           " --dtype bf16 --seed 3 --shards 2 > /dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0);
  EXPECT_TRUE(fs::exists(dir.path() / "model-00001-of-00002.safetensors"));
  EXPECT_TRUE(fs::exists(dir.path() / "model-00002-of-00002.safetensors"));
  const std::string json_file = out + "/describe.json";
  const std::string describe = std::string(MOECAP_EXE) + " --plugin-path " + MOECAP_TEST_PLUGIN_DIR + " describe " +
                               out + " --json > " + json_file;
  ASSERT_EQ(std::system(describe.c_str()), 0);
  std::ifstream in(json_file);
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["model"]["family"], "olmoe");
  EXPECT_EQ(report["model"]["stored_dtype"], "bf16");
  EXPECT_EQ(report["model"]["attention"]["qk_norm_per_head"], false);

  // config.json alone describes the same model (before any download).
  const TempDir config_only("config-only");
  fs::create_directories(config_only.path());
  fs::copy_file(dir.path() / "config.json", config_only.path() / "config.json");
  const std::string json2 = config_only.path().string() + "/describe.json";
  const std::string describe2 = std::string(MOECAP_EXE) + " --plugin-path " + MOECAP_TEST_PLUGIN_DIR + " describe " +
                                config_only.path().string() + " --json > " + json2;
  ASSERT_EQ(std::system(describe2.c_str()), 0);
  std::ifstream in2(json2);
  const auto report2 = nlohmann::json::parse(in2);
  EXPECT_EQ(report2["parameters"], report["parameters"]);
  EXPECT_EQ(report2["model"]["stored_dtype"], "unknown");
}

TEST(MakeModel, RefusesWhatTheFamilyCannotExpress) {
  // Mixtral's config.json has no way to say "layer 0 is dense".
  const TempDir dir("refuse");
  const auto model = open_preset("qwen2_moe-tiny", "f32", 0);
  moecap_model_desc desc = model->describe();
  desc.family = "mixtral";
  EXPECT_THROW(host::hf_config_for(desc, host::QkNormScope::per_head), std::invalid_argument);
}

}  // namespace
}  // namespace moecap::test
