// The `pre_tokenizer` of a tokenizer.json: regex Split steps and ByteLevel, alone or in a Sequence. Each step
// splits every piece the previous one produced, as `tokenizers` does. The regexes are Oniguruma patterns in
// the file; ICU's regex engine runs them (same Perl-style leftmost-first semantics, same \p{…} classes).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace moecap::hf {

class PreTokenizer {
 public:
  /// node is the "pre_tokenizer" value (null = none). Throws moecap::Error naming label for an unsupported
  /// type or behaviour, and for a regex ICU cannot compile (with the pattern).
  static PreTokenizer from_json(const nlohmann::json& node, const std::string& label);
  /// The pieces of text, each byte-level mapped when a ByteLevel step is present.
  std::vector<std::string> split(std::string_view text) const;

 private:
  struct Step;
  std::vector<std::shared_ptr<const Step>> steps_;
};

}  // namespace moecap::hf
