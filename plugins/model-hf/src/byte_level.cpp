#include "byte_level.hpp"

#include <array>

namespace moecap::hf {
namespace {

bool printable(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Alphabet {
  std::array<char32_t, 256> to_char{};
  Alphabet() {
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) to_char[static_cast<size_t>(b)] = printable(b) ? static_cast<char32_t>(b) : next++;
  }
};
const Alphabet& alphabet() {
  static const Alphabet instance;
  return instance;
}

}  // namespace

char32_t byte_to_char(uint8_t b) {
  return alphabet().to_char[b];
}

std::optional<uint8_t> char_to_byte(char32_t c) {
  if (c < 256 && printable(static_cast<int>(c))) return static_cast<uint8_t>(c);
  // Non-printable bytes were numbered from 256 in byte order.
  if (c >= 256 && c < 256 + 68) {
    char32_t next = 256;
    for (int b = 0; b < 256; ++b)
      if (!printable(b) && next++ == c) return static_cast<uint8_t>(b);
  }
  return std::nullopt;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string bytes_to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char b : bytes) append_utf8(out, byte_to_char(static_cast<uint8_t>(b)));
  return out;
}

}  // namespace moecap::hf
