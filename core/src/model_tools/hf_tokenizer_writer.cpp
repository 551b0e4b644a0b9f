// A small tokenizer.json in the byte-level BPE format of GPT-2/Qwen/OLMoE (`tokenizers` ByteLevel
// pre-tokenizer, decoder and BPE model), sized to the model's vocabulary so every id it yields is valid.
#include <algorithm>
#include <string>
#include <vector>

#include "moecap/host/hf_checkpoint_writer.hpp"

namespace moecap::host {
namespace {

/// GPT-2's byte → printable code point map (bytes that are printable keep their code point; the rest are
/// shifted to 256 + n), as UTF-8.
std::vector<std::string> byte_level_alphabet() {
  std::vector<int> code(256, -1);
  int shifted = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    code[b] = printable ? b : 256 + shifted++;
  }
  std::vector<std::string> out(256);
  for (int b = 0; b < 256; ++b) {
    const int c = code[b];
    std::string s;
    if (c < 0x80) {
      s += static_cast<char>(c);
    } else {
      s += static_cast<char>(0xC0 | (c >> 6));
      s += static_cast<char>(0x80 | (c & 0x3F));
    }
    out[b] = s;
  }
  return out;
}

}  // namespace

nlohmann::json tiny_bpe_tokenizer(int32_t vocab_size, int32_t bos_token_id, int32_t eos_token_id) {
  using nlohmann::json;
  const auto alphabet = byte_level_alphabet();
  std::vector<std::string> tokens(static_cast<size_t>(vocab_size));
  std::vector<bool> taken(static_cast<size_t>(vocab_size), false);
  json added = json::array();
  auto special = [&](int32_t id, const std::string& content) {
    if (id < 0 || id >= vocab_size || taken[static_cast<size_t>(id)]) return;
    tokens[static_cast<size_t>(id)] = content;
    taken[static_cast<size_t>(id)] = true;
    added.push_back({{"id", id},
                     {"content", content},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  };
  special(bos_token_id, "<|bos|>");
  special(eos_token_id, "<|endoftext|>");
  int32_t next = 0;
  auto free_id = [&]() -> int32_t {
    while (next < vocab_size && taken[static_cast<size_t>(next)]) ++next;
    return next < vocab_size ? next : -1;
  };
  // <unk> catches the bytes that do not fit a small vocabulary.
  const int32_t unk = free_id();
  if (unk >= 0) {
    tokens[static_cast<size_t>(unk)] = "<unk>";
    taken[static_cast<size_t>(unk)] = true;
  }
  // Bytes in order of usefulness: space (Ġ), lowercase, uppercase, digits, punctuation, then the rest.
  std::vector<int> bytes{' '};
  for (int b = 'a'; b <= 'z'; ++b) bytes.push_back(b);
  for (int b = 'A'; b <= 'Z'; ++b) bytes.push_back(b);
  for (int b = '0'; b <= '9'; ++b) bytes.push_back(b);
  for (int b = 0; b < 256; ++b)
    if (std::find(bytes.begin(), bytes.end(), b) == bytes.end()) bytes.push_back(b);
  json vocab = json::object();
  for (int b : bytes) {
    const int32_t id = free_id();
    if (id < 0) break;
    tokens[static_cast<size_t>(id)] = alphabet[static_cast<size_t>(b)];
    taken[static_cast<size_t>(id)] = true;
  }
  // Merges of frequent English pairs whose parts are both in the vocabulary.
  json merges = json::array();
  const char* pairs[][2] = {{"Ġ", "t"}, {"h", "e"},   {"i", "n"}, {"e", "r"}, {"a", "n"}, {"Ġ", "a"}, {"o", "n"},
                            {"r", "e"}, {"Ġt", "he"}, {"e", "n"}, {"a", "t"}, {"o", "r"}, {"e", "s"}, {"Ġ", "s"},
                            {"i", "s"}, {"Ġ", "w"},   {"i", "t"}, {"Ġ", "o"}, {"n", "d"}, {"Ġ", "c"}};
  auto has = [&](const std::string& t) { return std::find(tokens.begin(), tokens.end(), t) != tokens.end(); };
  for (const auto& pair : pairs) {
    const std::string joined = std::string(pair[0]) + pair[1];
    if (!has(pair[0]) || !has(pair[1]) || has(joined)) continue;
    const int32_t id = free_id();
    if (id < 0) break;
    tokens[static_cast<size_t>(id)] = joined;
    taken[static_cast<size_t>(id)] = true;
    merges.push_back(std::string(pair[0]) + " " + pair[1]);
  }
  for (int32_t id = 0; id < vocab_size; ++id) {
    if (!taken[static_cast<size_t>(id)]) tokens[static_cast<size_t>(id)] = "<|reserved_" + std::to_string(id) + "|>";
    vocab[tokens[static_cast<size_t>(id)]] = id;
  }
  json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  json model = {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", unk >= 0 ? json("<unk>") : json(nullptr)},
                {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", nullptr},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"ignore_merges", false},
                {"vocab", vocab},
                {"merges", merges}};
  return {{"version", "1.0"},          {"truncation", nullptr}, {"padding", nullptr},
          {"added_tokens", added},     {"normalizer", nullptr}, {"pre_tokenizer", byte_level},
          {"post_processor", nullptr}, {"decoder", byte_level}, {"model", model}};
}

}  // namespace moecap::host
