#include "sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include "moecap/cpp/host.hpp"

namespace moecap::hf {

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& path)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()), path_(path) {
  const auto status = processor_->Load(path);
  if (!status.ok()) throw Error(MOECAP_ERR_INVALID_ARG, path + ": not a SentencePiece model: " + status.ToString());
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text, bool add_special) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(text, &ids);
  if (!status.ok()) throw Error(MOECAP_ERR_INVALID_ARG, path_ + ": encode failed: " + status.ToString());
  std::vector<int32_t> out;
  if (add_special && processor_->bos_id() >= 0) out.push_back(processor_->bos_id());
  out.insert(out.end(), ids.begin(), ids.end());
  return out;
}

std::string SentencePieceTokenizer::decode(std::span<const int32_t> ids) const {
  const int size = processor_->GetPieceSize();
  for (const int32_t id : ids)
    if (id < 0 || id >= size)
      throw Error(MOECAP_ERR_INVALID_ARG, path_ + ": token id " + std::to_string(id) + " is outside the vocabulary");
  std::string text;
  const auto status = processor_->Decode(std::vector<int>(ids.begin(), ids.end()), &text);
  if (!status.ok()) throw Error(MOECAP_ERR_INVALID_ARG, path_ + ": decode failed: " + status.ToString());
  return text;
}

size_t SentencePieceTokenizer::vocab_size() const {
  return static_cast<size_t>(processor_->GetPieceSize());
}

}  // namespace moecap::hf
