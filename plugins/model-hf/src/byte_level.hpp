// GPT-2's byte-level alphabet: each byte maps to a printable code point, so that any byte string is a
// string of "characters" a BPE vocabulary can hold. Bytes that are printable Latin-1 map to themselves; the
// rest map to U+0100 onwards in byte order (as bytes_to_unicode() in GPT-2 and `tokenizers` do).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moecap::hf {

/// The code point byte b maps to.
char32_t byte_to_char(uint8_t b);
/// The byte a code point stands for; nullopt for a code point outside the alphabet.
std::optional<uint8_t> char_to_byte(char32_t c);
/// Every byte of bytes, mapped and UTF-8 encoded.
std::string bytes_to_byte_level(std::string_view bytes);
/// Appends the UTF-8 encoding of c to out.
void append_utf8(std::string& out, char32_t c);

}  // namespace moecap::hf
