// SentencePiece `.model` files, through Debian's libsentencepiece.
#pragma once

#include <memory>
#include <string>

#include "tokenizer.hpp"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace moecap::hf {

class SentencePieceTokenizer : public Tokenizer {
 public:
  /// Throws moecap::Error naming path when the model cannot be loaded.
  explicit SentencePieceTokenizer(const std::string& path);
  ~SentencePieceTokenizer() override;

  /// add_special prepends BOS when the model has one (as Llama/Mixtral-style tokenizers do).
  std::vector<int32_t> encode(std::string_view text, bool add_special) const override;
  std::string decode(std::span<const int32_t> ids) const override;
  size_t vocab_size() const override;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::string path_;
};

}  // namespace moecap::hf
