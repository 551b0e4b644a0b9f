// The model-hf plugin through the C ABI only, as the host will drive it: negotiate, init, open a golden
// checkpoint, read the description, weights and tokenizer, and get a named error for a bad path. A minimal
// host (errors, a flat key → string config) stands in for core, so this needs nothing but the SDK.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "moecap/moecap.h"
#include "safetensors_writer.hpp"

namespace {

struct FakeError {
  int32_t code;
  std::string message;
};
struct FakeConfig {
  std::map<std::string, std::string> values;
};

moecap_error* make(int32_t code, const std::string& message) {
  return reinterpret_cast<moecap_error*>(new FakeError{code, message});
}
const FakeConfig& config_of(const moecap_config* c) {
  return *reinterpret_cast<const FakeConfig*>(c);
}

moecap_host_api fake_host() {
  moecap_host_api host{};
  host.struct_size = sizeof host;
  host.abi_minor = MOECAP_ABI_MINOR;
  host.error_new = [](int32_t code, const char* message) { return make(code, message ? message : ""); };
  host.error_free = [](moecap_error* e) { delete reinterpret_cast<FakeError*>(e); };
  host.error_code = [](const moecap_error* e) { return e ? reinterpret_cast<const FakeError*>(e)->code : 0; };
  host.error_message = [](const moecap_error* e) {
    return e ? reinterpret_cast<const FakeError*>(e)->message.c_str() : "";
  };
  host.log = [](int32_t, const char*, const char*) {};
  host.config_has = [](const moecap_config* c, const char* key) { return config_of(c).values.count(key) != 0; };
  auto get_string = [](const moecap_config* c, const char* key, const char** out) -> moecap_error* {
    const auto it = config_of(c).values.find(key);
    if (it == config_of(c).values.end()) return make(MOECAP_ERR_NOT_FOUND, std::string("missing key ") + key);
    *out = it->second.c_str();
    return nullptr;
  };
  host.config_get_string = get_string;
  host.config_get_path = get_string;
  host.config_get_bool = [](const moecap_config* c, const char* key, bool* out) -> moecap_error* {
    const auto it = config_of(c).values.find(key);
    if (it == config_of(c).values.end()) return make(MOECAP_ERR_NOT_FOUND, std::string("missing key ") + key);
    *out = it->second == "true";
    return nullptr;
  };
  host.config_error = [](const moecap_config*, const char* key, const char* message) {
    return make(MOECAP_ERR_INVALID_ARG, std::string(key) + ": " + message);
  };
  return host;
}

class HfPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = dlopen(MOECAP_HF_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library_, nullptr) << dlerror();
    auto negotiate = reinterpret_cast<moecap_plugin_negotiate_fn>(dlsym(library_, "moecap_plugin_negotiate"));
    ASSERT_NE(negotiate, nullptr);
    moecap_negotiation io{};
    io.struct_size = sizeof io;
    io.host_abi_major = MOECAP_ABI_MAJOR;
    io.host_abi_minor_max = MOECAP_ABI_MINOR;
    ASSERT_EQ(negotiate(&io), 0);
    desc_.struct_size = sizeof desc_;
    desc_.component_capacity = 4;
    desc_.components = components_;
    moecap_error* error = io.init(&host_, &desc_);
    ASSERT_EQ(error, nullptr) << host_.error_message(error);
    ASSERT_EQ(desc_.component_count, 1u);
    ASSERT_EQ(components_[0].kind, MOECAP_KIND_MODEL);
    table_ = static_cast<const moecap_model_i*>(components_[0].table);
    EXPECT_STREQ(table_->name, "hf");
  }
  void TearDown() override {
    if (desc_.fini != nullptr) desc_.fini();
    // Never dlclose: the SDK rules keep every plugin loaded until exit.
  }

  moecap_host_api host_ = fake_host();
  void* library_ = nullptr;
  moecap_component components_[4]{};
  moecap_plugin_desc desc_{};
  const moecap_model_i* table_ = nullptr;
};

TEST_F(HfPlugin, OpensAGoldenCheckpointWithItsTokenizer) {
  // A checkpoint folder = the OLMoE golden plus the OLMoE-style tokenizer.json.
  moecap::hf::testing::TempDir dir;
  const std::filesystem::path golden = std::string(MOECAP_GOLDEN_DIR);
  for (const char* file : {"config.json", "model.safetensors"})
    std::filesystem::create_symlink(golden / "olmoe" / file, dir.path() / file);
  std::filesystem::create_symlink(golden / "tokenizers" / "olmoe" / "tokenizer.json", dir.path() / "tokenizer.json");

  FakeConfig config{{{"path", dir.path().string()}, {"name", "olmoe-golden"}, {"check_finite", "true"}}};
  moecap_model* model = nullptr;
  moecap_error* error = table_->open(components_[0].context, reinterpret_cast<const moecap_config*>(&config), &model);
  ASSERT_EQ(error, nullptr) << host_.error_message(error);

  const moecap_model_desc* desc = table_->describe(model);
  EXPECT_STREQ(desc->name, "olmoe-golden");
  EXPECT_STREQ(desc->family, "olmoe");
  EXPECT_EQ(desc->weight_dtype, MOECAP_DTYPE_F32);
  EXPECT_EQ(desc->layer_ffn[1]->n_experts, 8);
  // 3 global + per layer: 2 norms, q k v o, q/k norm, router, 8 experts × 3.
  EXPECT_EQ(table_->weight_count(model), 3 + 2 * (2 + 4 + 2 + 1 + 24));

  moecap_tensor_view view{};
  view.struct_size = sizeof view;
  ASSERT_EQ(table_->weight_find(model, "layers.1.moe.experts.7.down", &view), nullptr);
  EXPECT_EQ(view.ndim, 2);
  EXPECT_EQ(view.shape[0], 32);
  EXPECT_EQ(view.shape[1], 24);
  EXPECT_EQ(view.nbytes, 32u * 24u * 4u);
  moecap_error* missing = table_->weight_find(model, "layers.9.attn.q", &view);
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(host_.error_code(missing), MOECAP_ERR_NOT_FOUND);
  host_.error_free(missing);

  int32_t ids[64];
  size_t count = 0;
  const std::string text = "Hello, world! It's a test.";
  ASSERT_EQ(table_->tokenize(model, text.data(), text.size(), false, ids, 64, &count), nullptr);
  ASSERT_GT(count, 0u);
  char back[256];
  size_t length = 0;
  ASSERT_EQ(table_->detokenize(model, ids, count, back, sizeof back, &length), nullptr);
  EXPECT_EQ(std::string(back, length), text);
  table_->close(model);
}

TEST_F(HfPlugin, AMissingCheckpointIsANamedError) {
  FakeConfig config{{{"path", "/nonexistent/checkpoint"}}};
  moecap_model* model = nullptr;
  moecap_error* error = table_->open(components_[0].context, reinterpret_cast<const moecap_config*>(&config), &model);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(host_.error_message(error)).find("/nonexistent/checkpoint/config.json"), std::string::npos)
      << host_.error_message(error);
  host_.error_free(error);
}

}  // namespace
