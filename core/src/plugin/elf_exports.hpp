// The symbols a shared library exports, read from its ELF dynamic symbol table (BE-LOAD-02).
// boost::dll::library_info reads .symtab, which a stripped library lacks and which also lists symbols
// the dynamic linker never sees, so the conformance kit reads .dynsym itself.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moecap::host::detail {

/// Names of the defined, globally visible dynamic symbols; nullopt (with error set) when the file is not a
/// readable 64-bit little-endian ELF shared object.
std::optional<std::vector<std::string>> elf_exported_symbols(const std::filesystem::path& library, std::string& error);

}  // namespace moecap::host::detail
