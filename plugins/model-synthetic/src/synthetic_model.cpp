// The synthetic model plugin: a canonical MoE description read from configuration, with random weights
// that depend only on (seed, weight name), generated in f32 and optionally rounded to bf16/f16 storage.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "canonical_weights.hpp"
#include "description_reader.hpp"
#include "float_formats.hpp"
#include "moecap/cpp/plugin.hpp"
#include "random_normal.hpp"

namespace moecap::synthetic {
namespace {

struct StoredTensor {
  WeightSpec spec;
  std::vector<float> f32;        ///< used when the model's dtype is f32
  std::vector<uint16_t> half16;  ///< used for bf16 / f16
};

/// Values in f32 for one weight, from its own stream.
std::vector<float> generate(const WeightSpec& spec, uint64_t seed, double init_scale) {
  NormalStream normal(seed, spec.name);
  std::vector<float> values(static_cast<size_t>(spec.elements()));
  const double offset = spec.init == WeightInit::norm ? 1.0 : 0.0;
  for (float& v : values) v = static_cast<float>(offset + init_scale * normal.next());
  return values;
}

class SyntheticModel final : public ModelObject {
 public:
  /// materialise = false keeps only names and shapes (views without data): describing a full-size model
  /// must not allocate its hundreds of gigabytes of weights.
  SyntheticModel(std::unique_ptr<OwnedDescription> description, int32_t dtype, uint64_t seed, double init_scale,
                 bool materialise)
      : description_(std::move(description)) {
    description_->desc.weight_dtype = dtype;
    std::vector<WeightSpec> specs = canonical_weights(description_->desc, description_->qk_norm_per_head);
    tensors_.reserve(specs.size());
    for (WeightSpec& spec : specs) {
      StoredTensor tensor{std::move(spec), {}, {}};
      if (!materialise) {
        tensors_.push_back(std::move(tensor));
        continue;
      }
      std::vector<float> values = generate(tensor.spec, seed, init_scale);
      if (dtype == MOECAP_DTYPE_F32) {
        tensor.f32 = std::move(values);
      } else {
        tensor.half16.resize(values.size());
        for (size_t i = 0; i < values.size(); ++i)
          tensor.half16[i] = dtype == MOECAP_DTYPE_BF16 ? f32_to_bf16(values[i]) : f32_to_f16(values[i]);
      }
      tensors_.push_back(std::move(tensor));
    }
    // Indexed only after tensors_ stops growing, so the names the views hand out stay put.
    for (size_t i = 0; i < tensors_.size(); ++i) index_by_name_.emplace(tensors_[i].spec.name, i);
  }

  const moecap_model_desc& describe() const override { return description_->desc; }
  int64_t weight_count() const override { return static_cast<int64_t>(tensors_.size()); }

  void weight_at(int64_t index, moecap_tensor_view& out) const override {
    fill_view(tensors_[static_cast<size_t>(index)], out);
  }

  bool weight_find(const char* name, moecap_tensor_view& out) const override {
    auto it = index_by_name_.find(name);
    if (it == index_by_name_.end()) return false;
    fill_view(tensors_[it->second], out);
    return true;
  }

 private:
  void fill_view(const StoredTensor& tensor, moecap_tensor_view& out) const {
    // The caller's struct_size says how much of the view it has room for; ABI 1.0 views are all
    // members up to nbytes, which every caller has.
    if (out.struct_size < sizeof(moecap_tensor_view))
      throw Error(MOECAP_ERR_ABI, "tensor view struct_size " + std::to_string(out.struct_size) + " is smaller than " +
                                      std::to_string(sizeof(moecap_tensor_view)) + " (ABI 1.0)");
    out.abi_minor = MOECAP_ABI_MINOR;
    out.name = tensor.spec.name.c_str();
    out.dtype = description_->desc.weight_dtype;
    out.ndim = static_cast<int32_t>(tensor.spec.shape.size());
    for (int d = 0; d < MOECAP_MAX_DIMS; ++d)
      out.shape[d] = d < out.ndim ? tensor.spec.shape[static_cast<size_t>(d)] : 1;
    if (tensor.f32.empty() && tensor.half16.empty()) {
      out.data = nullptr;
      out.nbytes = 0;
    } else if (!tensor.f32.empty()) {
      out.data = tensor.f32.data();
      out.nbytes = tensor.f32.size() * sizeof(float);
    } else {
      out.data = tensor.half16.data();
      out.nbytes = tensor.half16.size() * sizeof(uint16_t);
    }
  }

  std::unique_ptr<OwnedDescription> description_;
  std::vector<StoredTensor> tensors_;
  std::unordered_map<std::string, size_t> index_by_name_;
};

class SyntheticLoader final : public ModelLoader {
 public:
  SyntheticLoader() : ModelLoader("synthetic") {}

  std::unique_ptr<ModelObject> open(Config config) override {
    if (!config.has("description"))
      config.fail("description", "is required: expected a model description table (e.g. a configs/models preset)");
    const uint64_t seed = static_cast<uint64_t>(config.integer_or("seed", 0));
    int32_t dtype = MOECAP_DTYPE_F32;
    if (config.has("dtype")) {
      const std::string name = config.string("dtype");
      if (name == "f32")
        dtype = MOECAP_DTYPE_F32;
      else if (name == "bf16")
        dtype = MOECAP_DTYPE_BF16;
      else if (name == "f16")
        dtype = MOECAP_DTYPE_F16;
      else
        config.fail("dtype", "expected one of \"f32\", \"bf16\", \"f16\", got \"" + name + "\"");
    }
    const double init_scale = config.number_or("init_scale", kDefaultInitScale);
    if (!std::isfinite(init_scale) || init_scale <= 0)
      config.fail("init_scale", "expected a positive number (std of the normal init)");
    const bool materialise = config.boolean_or("weights", true);
    return std::make_unique<SyntheticModel>(read_description(config, "description"), dtype, seed, init_scale,
                                            materialise);
  }

 private:
  /// Hugging Face's initializer_range. Pre-norm blocks renormalise every sublayer's input, and a matrix's gain
  /// 0.02·sqrt(fan_in) stays O(1) for real widths, so activations stay O(1) over many layers.
  static constexpr double kDefaultInitScale = 0.02;
};

}  // namespace
}  // namespace moecap::synthetic

MOECAP_DEFINE_PLUGIN("synthetic", "0.1.0", "moecap", [] {
  moecap::Components components;
  components.push_back(std::make_unique<moecap::synthetic::SyntheticLoader>());
  return components;
})
