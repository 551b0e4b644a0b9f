#include "hf_weights.hpp"

#include <cstring>
#include <map>
#include <set>

#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

int32_t moecap_dtype_of(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::F32:
      return MOECAP_DTYPE_F32;
    case SafetensorsDtype::F16:
      return MOECAP_DTYPE_F16;
    case SafetensorsDtype::BF16:
      return MOECAP_DTYPE_BF16;
    default:
      return MOECAP_DTYPE_UNKNOWN;
  }
}

}  // namespace

HfWeights HfWeights::assemble(const ModelSpec& spec, const SafetensorsCheckpoint& checkpoint, Options options) {
  HfWeights weights;
  std::set<std::string> used;
  std::map<int32_t, size_t> dtype_counts;
  for (const TensorSource& source : hf_tensor_plan(spec)) {
    const StoredTensor stored = checkpoint.get(source.stored);
    const SafetensorsEntry& entry = *stored.entry;
    const std::string where = *stored.file + ": tensor '" + source.stored + "'";
    if (!dtype_loadable(entry.dtype))
      throw Error(MOECAP_ERR_UNSUPPORTED,
                  where + ": dtype " + dtype_name(entry.dtype) + " is not supported (moecap loads F32, F16 and BF16)");
    if (entry.shape != source.stored_shape)
      throw Error(MOECAP_ERR_INVALID_ARG, where + ": shape " + shape_text(entry.shape) + " but config.json implies " +
                                              shape_text(source.stored_shape) + " (for " + source.canonical + ")");
    if (used.insert(source.stored).second && options.check_finite) check_finite(stored);

    CanonicalTensor tensor;
    tensor.name = source.canonical;
    tensor.dtype = moecap_dtype_of(entry.dtype);
    tensor.shape = source.shape;
    const size_t element = dtype_size(entry.dtype);
    switch (source.take) {
      case TensorSource::Take::Whole:
        tensor.data = stored.bytes.data();
        tensor.nbytes = stored.bytes.size();
        break;
      case TensorSource::Take::Rows: {
        const size_t row_bytes = static_cast<size_t>(entry.shape[1]) * element;
        tensor.data = stored.bytes.data() + static_cast<size_t>(source.row_begin) * row_bytes;
        tensor.nbytes = static_cast<uint64_t>(source.row_count) * row_bytes;
        break;
      }
      case TensorSource::Take::TransposedRows: {
        const size_t rows = static_cast<size_t>(source.row_count), columns = static_cast<size_t>(entry.shape[1]);
        const std::byte* from = stored.bytes.data() + static_cast<size_t>(source.row_begin) * columns * element;
        auto copy = std::make_unique<std::byte[]>(rows * columns * element);
        for (size_t r = 0; r < rows; ++r)
          for (size_t c = 0; c < columns; ++c)
            std::memcpy(copy.get() + (c * rows + r) * element, from + (r * columns + c) * element, element);
        tensor.data = copy.get();
        tensor.nbytes = rows * columns * element;
        weights.copies_.push_back(std::move(copy));
        break;
      }
    }
    ++dtype_counts[tensor.dtype];
    weights.by_name_.emplace(tensor.name, weights.tensors_.size());
    weights.tensors_.push_back(std::move(tensor));
  }
  size_t best = 0;
  for (const auto& [dtype, count] : dtype_counts)
    if (count > best) best = count, weights.dominant_dtype_ = dtype;
  for (const auto& name : checkpoint.names())
    if (used.count(name) == 0) weights.unused_.push_back(name);
  return weights;
}

HfWeights HfWeights::shapes_only(const ModelSpec& spec) {
  HfWeights weights;
  for (const TensorSource& source : hf_tensor_plan(spec)) {
    CanonicalTensor tensor;
    tensor.name = source.canonical;
    tensor.shape = source.shape;
    weights.by_name_.emplace(tensor.name, weights.tensors_.size());
    weights.tensors_.push_back(std::move(tensor));
  }
  return weights;
}

const CanonicalTensor* HfWeights::find(const std::string& name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

void HfWeights::fill_view(size_t index, moecap_tensor_view& view) const {
  const CanonicalTensor& tensor = tensors_.at(index);
  view.abi_minor = MOECAP_ABI_MINOR;
  view.name = tensor.name.c_str();
  view.dtype = tensor.dtype;
  view.ndim = static_cast<int32_t>(tensor.shape.size());
  for (int i = 0; i < MOECAP_MAX_DIMS; ++i) view.shape[i] = i < view.ndim ? tensor.shape[static_cast<size_t>(i)] : 1;
  view.data = tensor.data;
  view.nbytes = tensor.nbytes;
}

}  // namespace moecap::hf
