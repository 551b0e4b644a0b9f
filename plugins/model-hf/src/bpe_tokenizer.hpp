// Hugging Face `tokenizer.json` with a BPE model: byte-level BPE as Qwen2/Qwen3, DeepSeek-V3 and OLMoE (GPT-NeoX)
// ship it, and BPE with byte fallback (<0xXX> tokens). Encoding follows `tokenizers`:
//   1. added tokens are cut out first (leftmost, longest at a position; lstrip/rstrip absorb whitespace);
//   2. each remaining segment is normalised, then pre-tokenised into pieces;
//   3. each piece is BPE-merged: adjacent symbols merge lowest rank first (leftmost on ties);
//   4. the post-processor's template adds special tokens when asked.
// Read-only after construction: encode/decode may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "pre_tokenizer.hpp"
#include "text_normalizer.hpp"
#include "tokenizer.hpp"

namespace moecap::hf {

class BpeTokenizer : public Tokenizer {
 public:
  /// Throws moecap::Error naming label (and the key or type) on malformed or unsupported content.
  static std::unique_ptr<BpeTokenizer> from_json(const nlohmann::json& root, const std::string& label);
  static std::unique_ptr<BpeTokenizer> from_file(const std::string& path);

  std::vector<int32_t> encode(std::string_view text, bool add_special) const override;
  /// Unknown ids are an INVALID_ARG error. Bytes that do not form valid UTF-8 are returned as they are.
  std::string decode(std::span<const int32_t> ids) const override;
  size_t vocab_size() const override { return id_to_token_.size(); }

  /// nullopt-like -1 when absent.
  int32_t token_to_id(const std::string& token) const;

 private:
  struct AddedToken {
    std::string content;
    int32_t id = -1;
    bool lstrip = false, rstrip = false, single_word = false, special = false;
  };
  struct Template {
    std::vector<int32_t> before, after;  ///< special ids around $A
  };

  void encode_segment(std::string_view text, std::vector<int32_t>& out) const;
  void encode_piece(const std::string& piece, std::vector<int32_t>& out) const;

  std::string label_;
  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int32_t> merge_ranks_;  ///< "left\x01right" → rank
  std::vector<AddedToken> added_;
  std::unordered_map<int32_t, size_t> added_by_id_;
  TextNormalizer normalizer_;
  PreTokenizer pre_tokenizer_;
  Template template_;
  int32_t unk_id_ = -1;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  bool byte_level_decoder_ = false;
  bool byte_fallback_decoder_ = false;
};

}  // namespace moecap::hf
