// A bad description is an error that names the key and where it is: file:line:col.
#include <gtest/gtest.h>

#include "plugin_harness.hpp"

namespace moecap::test {
namespace {

// A valid description; each case below breaks one line of it.
const char* kValid = R"([description]
family = "mixtral"
vocab_size = 64
hidden_size = 32
n_layers = 2
[description.attention]
n_heads = 4
n_kv_heads = 2
[description.ffn]
n_experts = 4
top_k = 2
expert_intermediate_size = 64
)";

std::string with_line(int line, const std::string& replacement) {
  std::string text = kValid;
  size_t start = 0;
  for (int i = 1; i < line; ++i) start = text.find('\n', start) + 1;
  const size_t end = text.find('\n', start);
  return text.substr(0, start) + replacement + text.substr(end);
}

struct BadKey {
  int line;
  std::string replacement;
  std::string expected_position;  ///< file:line:col of the offending value
  std::string expected_text;
};

class DescriptionErrors : public ::testing::TestWithParam<BadKey> {};

TEST_P(DescriptionErrors, NameTheKeyAndItsPosition) {
  const BadKey& bad = GetParam();
  int32_t code = 0;
  const std::string message =
      SyntheticModel::open_error(PluginConfig(with_line(bad.line, bad.replacement), "bad-model.toml"), &code);
  EXPECT_EQ(code, MOECAP_ERR_INVALID_ARG) << message;
  EXPECT_NE(message.find(bad.expected_position), std::string::npos) << message;
  EXPECT_NE(message.find(bad.expected_text), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DescriptionErrors,
    ::testing::Values(BadKey{2, "family = \"llama\"", "bad-model.toml:2:10", "expected one of mixtral"},
                      BadKey{3, "vocab_size = 0", "bad-model.toml:3:14", "model.description.vocab_size"},
                      BadKey{4, "hidden_size = \"wide\"", "bad-model.toml:4:15", "expected an integer"},
                      BadKey{8, "n_kv_heads = 3", "bad-model.toml:8:14", "divisor of n_heads"},
                      BadKey{11, "top_k = 5", "bad-model.toml:11:9", "at most n_experts"},
                      BadKey{10, "n_experts = 4\nrouter_scoring = \"argmax\"", "bad-model.toml:11:18",
                             "\"softmax\", \"sigmoid\""},
                      BadKey{5, "n_layers = 2\ndense_layers = [0, 2]", "bad-model.toml:6:16", "[0, 2)"},
                      BadKey{5, "n_layers = 2\nnorm_bias = true", "bad-model.toml:6:13", "only LayerNorm"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(DescriptionErrorsMissing, RequiredKeyIsNamed) {
  int32_t code = 0;
  const std::string message =
      SyntheticModel::open_error(PluginConfig(with_line(4, "# no hidden size"), "bad-model.toml"), &code);
  EXPECT_EQ(code, MOECAP_ERR_INVALID_ARG);
  EXPECT_NE(message.find("bad-model.toml"), std::string::npos) << message;
  EXPECT_NE(message.find("model.description.hidden_size"), std::string::npos) << message;
  EXPECT_NE(message.find("is required"), std::string::npos) << message;
}

TEST(DescriptionErrorsMissing, PluginKeys) {
  int32_t code = 0;
  std::string message = SyntheticModel::open_error(PluginConfig("dtype = \"f8\"\n", "p.toml"), &code);
  EXPECT_NE(message.find("description"), std::string::npos) << message;  // no description at all
  message = SyntheticModel::open_error(PluginConfig(std::string("dtype = \"f8\"\n") + kValid, "p.toml"), &code);
  EXPECT_NE(message.find("p.toml:1:9"), std::string::npos) << message;
  EXPECT_NE(message.find("\"bf16\""), std::string::npos) << message;
  message = SyntheticModel::open_error(PluginConfig(std::string("init_scale = -1\n") + kValid, "p.toml"), &code);
  EXPECT_NE(message.find("p.toml:1:14"), std::string::npos) << message;
}

}  // namespace
}  // namespace moecap::test
