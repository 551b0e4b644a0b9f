#include "linear.hpp"

#include "moecap/cpp/host.hpp"
#include "numeric_formats.hpp"

namespace moecap::reference {
namespace {

// The dtype switch sits outside the loops; each instantiation is the same plain double dot product.
template <class Element, class Decode>
void matvec_typed(const WeightTensor& w, const double* x, double* y, Decode decode) {
  const auto* data = static_cast<const Element*>(w.data);
  for (int64_t r = 0; r < w.rows; ++r) {
    const Element* row = data + r * w.cols;
    double sum = 0;
    for (int64_t c = 0; c < w.cols; ++c) sum += decode(row[c]) * x[c];
    y[r] = sum;
  }
}

}  // namespace

void touch(const WeightTensor& w, StepCounters& counters) {
  counters.weights_touched[w.data] = w.nbytes;
}

std::vector<double> matvec(const WeightTensor& w, const std::vector<double>& x, StepCounters& counters) {
  if (static_cast<int64_t>(x.size()) != w.cols)
    throw Error(MOECAP_ERR_INTERNAL, "matvec: '" + w.name + "' has " + std::to_string(w.cols) + " columns, x has " +
                                         std::to_string(x.size()) + " elements");
  std::vector<double> y(static_cast<size_t>(w.rows));
  switch (w.dtype) {
    case MOECAP_DTYPE_F32:
      matvec_typed<float>(w, x.data(), y.data(), [](float v) { return double{v}; });
      break;
    case MOECAP_DTYPE_F64:
      matvec_typed<double>(w, x.data(), y.data(), [](double v) { return v; });
      break;
    case MOECAP_DTYPE_BF16:
      matvec_typed<uint16_t>(w, x.data(), y.data(), bf16_to_double);
      break;
    case MOECAP_DTYPE_F16:
      matvec_typed<uint16_t>(w, x.data(), y.data(), f16_to_double);
      break;
    default:
      throw Error(MOECAP_ERR_INTERNAL, "matvec: '" + w.name + "' has an unchecked dtype");
  }
  counters.flops += 2.0 * static_cast<double>(w.rows) * static_cast<double>(w.cols);
  touch(w, counters);
  return y;
}

void add_bias(std::vector<double>& x, const WeightTensor& bias, StepCounters& counters) {
  for (size_t i = 0; i < x.size(); ++i) x[i] += bias.at(static_cast<int64_t>(i));
  touch(bias, counters);
}

}  // namespace moecap::reference
