#include "text_normalizer.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <nlohmann/json.hpp>

#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace {

void collect(const nlohmann::json& node, const std::string& label, std::vector<std::string>& types) {
  if (node.is_null()) return;
  if (!node.is_object() || !node.contains("type") || !node["type"].is_string())
    throw Error(MOECAP_ERR_INVALID_ARG, label + ": normalizer has no \"type\"");
  const auto type = node["type"].get<std::string>();
  if (type == "Sequence") {
    if (!node.contains("normalizers") || !node["normalizers"].is_array())
      throw Error(MOECAP_ERR_INVALID_ARG, label + ": normalizer Sequence has no \"normalizers\" array");
    for (const auto& child : node["normalizers"]) collect(child, label, types);
    return;
  }
  types.push_back(type);
}

}  // namespace

TextNormalizer TextNormalizer::from_json(const nlohmann::json& node, const std::string& label) {
  std::vector<std::string> types;
  collect(node, label, types);
  TextNormalizer normalizer;
  for (const auto& type : types) {
    if (type == "NFC")
      normalizer.forms_.push_back(Form::NFC);
    else if (type == "NFD")
      normalizer.forms_.push_back(Form::NFD);
    else if (type == "NFKC")
      normalizer.forms_.push_back(Form::NFKC);
    else if (type == "NFKD")
      normalizer.forms_.push_back(Form::NFKD);
    else
      throw Error(MOECAP_ERR_UNSUPPORTED,
                  label + ": normalizer \"" + type + "\" is not supported (NFC, NFD, NFKC, NFKD, Sequence)");
  }
  return normalizer;
}

std::string TextNormalizer::apply(std::string_view text) const {
  if (forms_.empty()) return std::string(text);
  icu::UnicodeString unicode =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  for (const Form form : forms_) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = nullptr;
    switch (form) {
      case Form::NFC:
        n = icu::Normalizer2::getNFCInstance(status);
        break;
      case Form::NFD:
        n = icu::Normalizer2::getNFDInstance(status);
        break;
      case Form::NFKC:
        n = icu::Normalizer2::getNFKCInstance(status);
        break;
      case Form::NFKD:
        n = icu::Normalizer2::getNFKDInstance(status);
        break;
    }
    if (U_FAILURE(status)) throw Error(MOECAP_ERR_INTERNAL, std::string("ICU normalizer: ") + u_errorName(status));
    unicode = n->normalize(unicode, status);
    if (U_FAILURE(status)) throw Error(MOECAP_ERR_INTERNAL, std::string("ICU normalize: ") + u_errorName(status));
  }
  std::string out;
  unicode.toUTF8String(out);
  return out;
}

}  // namespace moecap::hf
