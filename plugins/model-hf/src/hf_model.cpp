// The model-hf plugin: a Hugging Face checkpoint directory (config.json, safetensors, tokenizer) as a moecap
// model. Pipeline keys: path (the checkpoint directory, required), name (default: the directory's name),
// check_finite (scan weights for NaN/Inf at open; default false), weights (default true; false reads
// config.json alone and exposes shapes without data, so a model can be described before it is downloaded).
#include <filesystem>
#include <memory>

#include "bpe_tokenizer.hpp"
#include "hf_config.hpp"
#include "hf_weights.hpp"
#include "moecap/cpp/plugin.hpp"
#include "safetensors_checkpoint.hpp"
#include "sentencepiece_tokenizer.hpp"

namespace moecap::hf {
namespace {

class HfModel : public ModelObject {
 public:
  /// checkpoint == nullptr: description only (weights = false).
  HfModel(std::unique_ptr<ModelSpec> spec, std::unique_ptr<SafetensorsCheckpoint> checkpoint, bool check_finite,
          std::unique_ptr<Tokenizer> tokenizer)
      : spec_(std::move(spec)),
        checkpoint_(std::move(checkpoint)),
        weights_(checkpoint_ ? HfWeights::assemble(*spec_, *checkpoint_, {.check_finite = check_finite})
                             : HfWeights::shapes_only(*spec_)),
        tokenizer_(std::move(tokenizer)) {
    spec_->desc.weight_dtype = weights_.dominant_dtype();
  }

  const moecap_model_desc& describe() const override { return spec_->desc; }
  int64_t weight_count() const override { return static_cast<int64_t>(weights_.size()); }
  void weight_at(int64_t index, moecap_tensor_view& out) const override {
    weights_.fill_view(static_cast<size_t>(index), out);
  }
  bool weight_find(const char* name, moecap_tensor_view& out) const override {
    const CanonicalTensor* tensor = weights_.find(name);
    if (tensor == nullptr) return false;
    weights_.fill_view(static_cast<size_t>(tensor - &weights_.at(0)), out);
    return true;
  }
  std::vector<int32_t> tokenize(const std::string& text, bool add_special) const override {
    if (!tokenizer_) return ModelObject::tokenize(text, add_special);
    return tokenizer_->encode(text, add_special);
  }
  std::string detokenize(const int32_t* ids, size_t n) const override {
    if (!tokenizer_) return ModelObject::detokenize(ids, n);
    return tokenizer_->decode(std::span<const int32_t>(ids, n));
  }

 private:
  std::unique_ptr<ModelSpec> spec_;
  std::unique_ptr<SafetensorsCheckpoint> checkpoint_;  // owns the mappings every view points into
  HfWeights weights_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

/// tokenizer.json (byte-level BPE) first, as transformers prefers it; else a SentencePiece tokenizer.model.
std::unique_ptr<Tokenizer> open_tokenizer(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "tokenizer.json"))
    return BpeTokenizer::from_file((dir / "tokenizer.json").string());
  if (std::filesystem::exists(dir / "tokenizer.model"))
    return std::make_unique<SentencePieceTokenizer>((dir / "tokenizer.model").string());
  return nullptr;
}

class HfLoader : public ModelLoader {
 public:
  HfLoader() : ModelLoader("hf") {}
  std::unique_ptr<ModelObject> open(Config config) override {
    const std::filesystem::path dir = config.path("path");
    const std::string name = config.string_or("name", dir.filename().string());
    auto spec = read_hf_config((dir / "config.json").string(), name);
    std::unique_ptr<SafetensorsCheckpoint> checkpoint;
    if (config.boolean_or("weights", true))
      checkpoint = std::make_unique<SafetensorsCheckpoint>(SafetensorsCheckpoint::open(dir.string()));
    return std::make_unique<HfModel>(std::move(spec), std::move(checkpoint), config.boolean_or("check_finite", false),
                                     open_tokenizer(dir));
  }
};

}  // namespace
}  // namespace moecap::hf

MOECAP_DEFINE_PLUGIN("hf", "0.1.0", "moecap", [] {
  moecap::Components components;
  components.push_back(std::make_unique<moecap::hf::HfLoader>());
  return components;
})
