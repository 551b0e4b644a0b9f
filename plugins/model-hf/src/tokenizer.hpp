// What a model plugin needs of a tokenizer: text → ids and back. Implementations are read-only after
// construction, so encode/decode may be called concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moecap::hf {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  /// add_special: add what the tokenizer adds around a sequence (e.g. BOS), as `add_special_tokens` does.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_special) const = 0;
  /// Special tokens are decoded to their text, as `skip_special_tokens=False` does.
  virtual std::string decode(std::span<const int32_t> ids) const = 0;
  virtual size_t vocab_size() const = 0;
};

}  // namespace moecap::hf
