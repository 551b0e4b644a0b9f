// libFuzzer target: arbitrary bytes as config.json must map or fail with moecap::Error — never crash.
// A description that maps must also yield a tensor plan (shapes derived without overflow or UB).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "hf_config.hpp"
#include "hf_tensor_plan.hpp"
#include "moecap/cpp/host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto config = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;
  try {
    const auto spec = moecap::hf::map_hf_config(config, "fuzz/config.json", "fuzz");
    // Keep plans small: a huge layer count is valid JSON but not an interesting input.
    if (spec->desc.n_layers <= 64) {
      int64_t experts = 0;
      for (const auto* ffn : spec->layer_ffn_pointers) experts += ffn->n_experts;
      if (experts <= 4096) (void)moecap::hf::hf_tensor_plan(*spec);
    }
  } catch (const moecap::Error&) {
  }
  return 0;
}

#if defined(MOECAP_FUZZ_STANDALONE)
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>
int main(int argc, char** argv) {
  size_t runs = 0;
  for (int i = 1; i < argc; ++i)
    for (const auto& item : std::filesystem::recursive_directory_iterator(argv[i])) {
      if (!item.is_regular_file()) continue;
      std::ifstream in(item.path(), std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++runs;
    }
  return runs > 0 ? 0 : 1;
}
#endif
