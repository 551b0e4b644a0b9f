// libFuzzer target: arbitrary bytes as a whole safetensors file must parse or fail with moecap::Error —
// never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "moecap/cpp/host.hpp"
#include "safetensors_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto header = moecap::hf::parse_safetensors_header(
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), "fuzz.safetensors");
    // Every accepted entry must lie inside the input.
    for (const auto& e : header.entries)
      if (header.data_start + e.end > size) __builtin_trap();
  } catch (const moecap::Error&) {
  }
  return 0;
}

#if defined(MOECAP_FUZZ_STANDALONE)
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>
// Without libFuzzer: run every file under the given folders once.
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
