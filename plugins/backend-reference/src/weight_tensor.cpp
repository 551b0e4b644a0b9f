#include "weight_tensor.hpp"

#include <cstring>

#include "moecap/cpp/host.hpp"
#include "numeric_formats.hpp"

namespace moecap::reference {
namespace {

size_t element_bytes(int32_t dtype) {
  switch (dtype) {
    case MOECAP_DTYPE_F64:
      return 8;
    case MOECAP_DTYPE_F32:
      return 4;
    case MOECAP_DTYPE_BF16:
    case MOECAP_DTYPE_F16:
      return 2;
    default:
      return 0;
  }
}

std::string shape_text(const moecap_tensor_view& v) {
  std::string s = "[";
  for (int32_t d = 0; d < v.ndim; ++d) s += (d == 0 ? "" : ", ") + std::to_string(v.shape[d]);
  return s + "]";
}

}  // namespace

double WeightTensor::at(int64_t i) const {
  switch (dtype) {
    case MOECAP_DTYPE_F32:
      return static_cast<const float*>(data)[i];
    case MOECAP_DTYPE_F64:
      return static_cast<const double*>(data)[i];
    case MOECAP_DTYPE_BF16:
      return bf16_to_double(static_cast<const uint16_t*>(data)[i]);
    case MOECAP_DTYPE_F16:
      return f16_to_double(static_cast<const uint16_t*>(data)[i]);
    default:
      throw Error(MOECAP_ERR_INTERNAL, "weight '" + name + "' has an unchecked dtype");
  }
}

std::vector<double> WeightTensor::to_doubles() const {
  std::vector<double> out(static_cast<size_t>(size()));
  for (int64_t i = 0; i < size(); ++i) out[static_cast<size_t>(i)] = at(i);
  return out;
}

moecap_tensor_view WeightLookup::find(const std::string& name) const {
  moecap_tensor_view view;
  std::memset(&view, 0, sizeof view);
  view.struct_size = sizeof view;
  moecap_error* error = source_.find(source_.context, name.c_str(), &view);
  if (error != nullptr) {
    const std::string message = host().error_message(error);
    host().error_free(error);
    throw Error(MOECAP_ERR_NOT_FOUND, "reference backend: the model has no weight '" + name + "' (" + message + ")");
  }
  return view;
}

bool WeightLookup::has(const std::string& name) const {
  moecap_tensor_view view;
  std::memset(&view, 0, sizeof view);
  view.struct_size = sizeof view;
  moecap_error* error = source_.find(source_.context, name.c_str(), &view);
  if (error != nullptr) host().error_free(error);
  return error == nullptr;
}

int64_t WeightLookup::element_count(const std::string& name) const {
  const moecap_tensor_view view = find(name);
  int64_t n = 1;
  for (int32_t d = 0; d < view.ndim; ++d) n *= view.shape[d];
  return n;
}

WeightTensor WeightLookup::matrix(const std::string& name, int64_t rows, int64_t cols) const {
  const moecap_tensor_view view = find(name);
  const size_t bytes = element_bytes(view.dtype);
  if (bytes == 0)
    throw Error(MOECAP_ERR_UNSUPPORTED, "reference backend: weight '" + name + "' has dtype " +
                                            std::to_string(view.dtype) + "; supported: f32, f64, bf16, f16");
  const bool as_vector = rows == 1 && view.ndim == 1;
  const bool shape_ok =
      as_vector ? view.shape[0] == cols : view.ndim == 2 && view.shape[0] == rows && view.shape[1] == cols;
  if (!shape_ok)
    throw Error(MOECAP_ERR_INVALID_ARG, "reference backend: weight '" + name + "' has shape " + shape_text(view) +
                                            "; the description implies [" +
                                            (rows == 1 && as_vector ? "" : std::to_string(rows) + ", ") +
                                            std::to_string(cols) + "]");
  if (view.nbytes != static_cast<uint64_t>(rows * cols) * bytes || (view.data == nullptr && view.nbytes > 0))
    throw Error(MOECAP_ERR_INVALID_ARG,
                "reference backend: weight '" + name + "' holds " + std::to_string(view.nbytes) + " bytes, not the " +
                    std::to_string(rows * cols * static_cast<int64_t>(bytes)) + " its shape and dtype need");
  return WeightTensor{name, view.data, view.dtype, rows, cols, view.nbytes};
}

WeightTensor WeightLookup::vector(const std::string& name, int64_t size) const {
  const moecap_tensor_view view = find(name);
  if (view.ndim != 1)
    throw Error(MOECAP_ERR_INVALID_ARG, "reference backend: weight '" + name + "' has shape " + shape_text(view) +
                                            "; the description implies [" + std::to_string(size) + "]");
  return matrix(name, 1, size);
}

}  // namespace moecap::reference
