// The `normalizer` of a tokenizer.json: Unicode normal forms (through ICU), alone or in a Sequence.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace moecap::hf {

class TextNormalizer {
 public:
  /// node is the "normalizer" value (null = none). Throws moecap::Error(UNSUPPORTED) naming label and the
  /// normalizer type for anything but NFC, NFD, NFKC, NFKD and Sequence.
  static TextNormalizer from_json(const nlohmann::json& node, const std::string& label);
  /// Invalid UTF-8 in text becomes U+FFFD (tokenizers only accepts valid UTF-8).
  std::string apply(std::string_view text) const;
  bool empty() const { return forms_.empty(); }

 private:
  enum class Form { NFC, NFD, NFKC, NFKD };
  std::vector<Form> forms_;
};

}  // namespace moecap::hf
