#include "elf_exports.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace moecap::host::detail {

std::optional<std::vector<std::string>> elf_exported_symbols(const std::filesystem::path& library, std::string& error) {
  std::ifstream in(library, std::ios::binary);
  if (!in) {
    error = "cannot read " + library.string();
    return std::nullopt;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto fits = [&](uint64_t offset, uint64_t size) { return offset <= bytes.size() && size <= bytes.size() - offset; };

  Elf64_Ehdr header;
  if (!fits(0, sizeof header)) {
    error = library.string() + " is too small to be an ELF file";
    return std::nullopt;
  }
  std::memcpy(&header, bytes.data(), sizeof header);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB) {
    error = library.string() + " is not a 64-bit little-endian ELF file";
    return std::nullopt;
  }
  auto section = [&](size_t index, Elf64_Shdr& out) {
    const uint64_t offset = header.e_shoff + index * uint64_t{header.e_shentsize};
    if (header.e_shentsize < sizeof out || !fits(offset, sizeof out)) return false;
    std::memcpy(&out, bytes.data() + offset, sizeof out);
    return true;
  };

  std::vector<std::string> names;
  for (size_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr dynsym, strings;
    if (!section(i, dynsym) || dynsym.sh_type != SHT_DYNSYM) continue;
    if (!section(dynsym.sh_link, strings) || !fits(dynsym.sh_offset, dynsym.sh_size) ||
        !fits(strings.sh_offset, strings.sh_size) || dynsym.sh_entsize < sizeof(Elf64_Sym)) {
      error = library.string() + ": malformed dynamic symbol table";
      return std::nullopt;
    }
    for (uint64_t offset = 0; offset + sizeof(Elf64_Sym) <= dynsym.sh_size; offset += dynsym.sh_entsize) {
      Elf64_Sym symbol;
      std::memcpy(&symbol, bytes.data() + dynsym.sh_offset + offset, sizeof symbol);
      const unsigned binding = ELF64_ST_BIND(symbol.st_info);
      const unsigned type = ELF64_ST_TYPE(symbol.st_info);
      if (symbol.st_shndx == SHN_UNDEF || (binding != STB_GLOBAL && binding != STB_WEAK)) continue;
      if (ELF64_ST_VISIBILITY(symbol.st_other) != STV_DEFAULT && ELF64_ST_VISIBILITY(symbol.st_other) != STV_PROTECTED)
        continue;
      if (type == STT_SECTION || type == STT_FILE || symbol.st_name >= strings.sh_size) continue;
      const char* name = bytes.data() + strings.sh_offset + symbol.st_name;
      names.emplace_back(name, strnlen(name, strings.sh_size - symbol.st_name));
    }
    return names;
  }
  return names;  // no dynamic symbol table: exports nothing
}

}  // namespace moecap::host::detail
