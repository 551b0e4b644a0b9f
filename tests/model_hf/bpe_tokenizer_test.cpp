// Byte-level BPE from tokenizer.json: same ids as `tokenizers` on the goldens, exact round trips, and a
// hand-built fixture whose merges imply the ids.
#include "bpe_tokenizer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "byte_level.hpp"
#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace {

using nlohmann::json;
const std::string kTokenizers = std::string(MOECAP_GOLDEN_DIR) + "/tokenizers/";

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

class GoldenTokenizer : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenTokenizer, SameIdsAsTokenizers) {
  const std::string dir = kTokenizers + GetParam();
  const auto tokenizer = BpeTokenizer::from_file(dir + "/tokenizer.json");
  const json golden = read_json(dir + "/golden.json");
  ASSERT_GT(golden["cases"].size(), 20u);
  for (const auto& c : golden["cases"]) {
    const std::string text = c["text"].get<std::string>();
    SCOPED_TRACE("text: \"" + text + "\"");
    EXPECT_EQ(tokenizer->encode(text, false), c["ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(tokenizer->encode(text, true), c["ids_with_special"].get<std::vector<int32_t>>());
    EXPECT_EQ(tokenizer->decode(c["ids"].get<std::vector<int32_t>>()), c["decoded"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(All, GoldenTokenizer, ::testing::Values("qwen2", "deepseek_v3", "olmoe"));

/// Random valid UTF-8: ASCII (whitespace and punctuation heavy), Latin-1, CJK, emoji, combining marks.
std::string random_utf8(std::mt19937& rng) {
  static const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {0x20, 0x7E},     {0x09, 0x0D},     {0xA0, 0xFF},       {0x300, 0x36F},   {0x400, 0x4FF},     {0x4E00, 0x4E80},
      {0x3040, 0x30FF}, {0xAC00, 0xAC40}, {0x1F600, 0x1F64F}, {0x2000, 0x206F}, {0x10000, 0x10FFFF}};
  std::uniform_int_distribution<size_t> length(0, 40), which(0, ranges.size() - 1);
  std::string out;
  for (size_t i = length(rng); i > 0; --i) {
    const auto [lo, hi] = ranges[which(rng)];
    char32_t c = std::uniform_int_distribution<char32_t>(lo, hi)(rng);
    if (c >= 0xD800 && c <= 0xDFFF) c = 'x';
    append_utf8(out, c);
  }
  return out;
}

TEST(BpeTokenizer, EncodeDecodeRoundTripsArbitraryUtf8) {
  // Tokenizers without a normalizer must give back every input exactly (Qwen's NFC changes some inputs).
  for (const char* name : {"olmoe", "deepseek_v3"}) {
    const auto tokenizer = BpeTokenizer::from_file(kTokenizers + name + "/tokenizer.json");
    std::mt19937 rng(20260101);
    for (int i = 0; i < 500; ++i) {
      const std::string text = random_utf8(rng);
      ASSERT_EQ(tokenizer->decode(tokenizer->encode(text, false)), text) << name << " case " << i;
    }
  }
}

json fixture(json merges) {
  return {{"model",
           {{"type", "BPE"},
            {"vocab", {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"<0x21>", 6}, {"<unk>", 7}}},
            {"merges", merges},
            {"byte_fallback", true},
            {"unk_token", "<unk>"}}},
          {"added_tokens", {{{"id", 8}, {"content", "<eos>"}, {"special", true}, {"rstrip", true}}}},
          {"decoder", {{"type", "ByteFallback"}}},
          {"post_processor",
           {{"type", "TemplateProcessing"},
            {"single", {{{"Sequence", {{"id", "A"}}}}, {{"SpecialToken", {{"id", "<eos>"}}}}}},
            {"special_tokens", {{"<eos>", {{"id", "<eos>"}, {"ids", {8}}}}}}}}};
}

TEST(BpeTokenizer, HandBuiltFixtureGivesTheIdsItsMergesImply) {
  const auto by_rank = BpeTokenizer::from_json(fixture(json::array({"a b", "ab c"})), "fixture");
  EXPECT_EQ(by_rank->encode("abc", false), (std::vector<int32_t>{5}));
  EXPECT_EQ(by_rank->encode("bc", false), (std::vector<int32_t>{1, 2}));  // no "b c" merge
  EXPECT_EQ(by_rank->encode("cab", false), (std::vector<int32_t>{2, 3}));

  // "b c" ranks before "a b": abc → a + bc, and no merge joins those.
  const auto reversed = BpeTokenizer::from_json(fixture(json::array({json::array({"b", "c"}), "a b"})), "fixture");
  EXPECT_EQ(reversed->encode("abc", false), (std::vector<int32_t>{0, 4}));

  // '!' is not in the vocab but its byte token is (byte fallback); 'z' has neither, so it is unk.
  EXPECT_EQ(by_rank->encode("a!z", false), (std::vector<int32_t>{0, 6, 7}));
  // Added token with rstrip eats the following spaces; the template appends <eos>.
  EXPECT_EQ(by_rank->encode("ab<eos>  c", true), (std::vector<int32_t>{3, 8, 2, 8}));
  EXPECT_EQ(by_rank->decode(std::vector<int32_t>{3, 6, 8}), "ab!<eos>");
}

TEST(BpeTokenizer, UnsupportedPiecesAreNamedErrors) {
  json bad = fixture(json::array({"a b"}));
  bad["pre_tokenizer"] = {{"type", "Whitespace"}};
  try {
    BpeTokenizer::from_json(bad, "tok.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tok.json: pre_tokenizer \"Whitespace\" is not supported"), std::string::npos)
        << e.what();
  }
  bad = fixture(json::array({"a c"}));
  EXPECT_THROW(BpeTokenizer::from_json(bad, "tok.json"), Error);  // "ac" is not in the vocab
  const auto ok = BpeTokenizer::from_json(fixture(json::array()), "tok.json");
  EXPECT_THROW(ok->decode(std::vector<int32_t>{99}), Error);
}

}  // namespace
}  // namespace moecap::hf
