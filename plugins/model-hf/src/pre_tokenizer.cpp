#include "pre_tokenizer.hpp"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "byte_level.hpp"
#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace {

// GPT-2's pattern, which ByteLevel applies when use_regex is true.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

enum class Behavior { Isolated, Removed, MergedWithPrevious, MergedWithNext };

std::unique_ptr<icu::RegexPattern> compile(const std::string& pattern, bool literal, const std::string& label) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  std::unique_ptr<icu::RegexPattern> compiled(
      icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(pattern), literal ? UREGEX_LITERAL : 0, where, status));
  if (U_FAILURE(status))
    throw Error(MOECAP_ERR_UNSUPPORTED, label + ": pre_tokenizer regex /" + pattern + "/ does not compile (" +
                                            u_errorName(status) + " at offset " + std::to_string(where.offset) + ")");
  return compiled;
}

/// Splits text at the matches of pattern; behaviour says where each match goes.
std::vector<std::string> split_by(const icu::RegexPattern& pattern, Behavior behavior, const std::string& text) {
  const icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(text);
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> matcher(pattern.matcher(unicode, status));
  if (U_FAILURE(status)) throw Error(MOECAP_ERR_INTERNAL, std::string("ICU matcher: ") + u_errorName(status));

  // (begin, end, is_match) spans in UTF-16 units covering the text.
  struct Span {
    int32_t begin, end;
    bool match;
  };
  std::vector<Span> spans;
  int32_t last = 0;
  while (matcher->find(status) && U_SUCCESS(status)) {
    const int32_t begin = matcher->start(status), end = matcher->end(status);
    if (end == begin) continue;  // an empty match splits nothing (tokenizers ignores them too)
    if (begin > last) spans.push_back({last, begin, false});
    spans.push_back({begin, end, true});
    last = end;
  }
  if (last < unicode.length()) spans.push_back({last, unicode.length(), false});

  std::vector<std::string> pieces;
  auto text_of = [&](int32_t begin, int32_t end) {
    std::string out;
    unicode.tempSubStringBetween(begin, end).toUTF8String(out);
    return out;
  };
  bool glue_next = false;  // MergedWithNext: the previous match waits for the following piece
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    std::string piece = text_of(s.begin, s.end);
    switch (behavior) {
      case Behavior::Isolated:
        pieces.push_back(piece);
        break;
      case Behavior::Removed:
        if (!s.match) pieces.push_back(piece);
        break;
      case Behavior::MergedWithPrevious:
        if (s.match && !pieces.empty() && i > 0 && !spans[i - 1].match)
          pieces.back() += piece;
        else
          pieces.push_back(piece);
        break;
      case Behavior::MergedWithNext:
        if (glue_next)
          pieces.back() += piece;
        else
          pieces.push_back(piece);
        glue_next = s.match;
        break;
    }
  }
  return pieces;
}

}  // namespace

struct PreTokenizer::Step {
  enum class Kind { Split, ByteLevel } kind = Kind::Split;
  std::unique_ptr<icu::RegexPattern> pattern;  // Split; ByteLevel with use_regex
  Behavior behavior = Behavior::Isolated;
  bool add_prefix_space = false;
};

PreTokenizer PreTokenizer::from_json(const nlohmann::json& node, const std::string& label) {
  PreTokenizer out;
  if (node.is_null()) return out;
  // Flatten Sequences in order.
  std::vector<const nlohmann::json*> flat;
  auto flatten = [&](auto&& self, const nlohmann::json& n) -> void {
    if (!n.is_object() || !n.contains("type") || !n["type"].is_string())
      throw Error(MOECAP_ERR_INVALID_ARG, label + ": pre_tokenizer has no \"type\"");
    if (n["type"] == "Sequence") {
      if (!n.contains("pretokenizers") || !n["pretokenizers"].is_array())
        throw Error(MOECAP_ERR_INVALID_ARG, label + ": pre_tokenizer Sequence has no \"pretokenizers\" array");
      for (const auto& child : n["pretokenizers"]) self(self, child);
    } else {
      flat.push_back(&n);
    }
  };
  flatten(flatten, node);

  for (const nlohmann::json* n : flat) {
    auto step = std::make_shared<Step>();
    const auto type = (*n)["type"].get<std::string>();
    if (type == "ByteLevel") {
      step->kind = Step::Kind::ByteLevel;
      step->add_prefix_space = n->value("add_prefix_space", false);
      if (n->value("use_regex", true)) step->pattern = compile(kGpt2Pattern, false, label);
    } else if (type == "Split") {
      const auto& pattern = n->value("pattern", nlohmann::json::object());
      bool literal = false;
      std::string text;
      if (pattern.contains("Regex") && pattern["Regex"].is_string()) {
        text = pattern["Regex"].get<std::string>();
      } else if (pattern.contains("String") && pattern["String"].is_string()) {
        text = pattern["String"].get<std::string>();
        literal = true;
      } else {
        throw Error(MOECAP_ERR_INVALID_ARG, label + ": Split pre_tokenizer needs pattern.Regex or pattern.String");
      }
      if (n->value("invert", false))
        throw Error(MOECAP_ERR_UNSUPPORTED, label + ": Split pre_tokenizer with invert=true is not supported");
      const auto behavior = n->value("behavior", std::string("Isolated"));
      if (behavior == "Isolated")
        step->behavior = Behavior::Isolated;
      else if (behavior == "Removed")
        step->behavior = Behavior::Removed;
      else if (behavior == "MergedWithPrevious")
        step->behavior = Behavior::MergedWithPrevious;
      else if (behavior == "MergedWithNext")
        step->behavior = Behavior::MergedWithNext;
      else
        throw Error(MOECAP_ERR_UNSUPPORTED,
                    label + ": Split behavior \"" + behavior +
                        "\" is not supported (Isolated, Removed, MergedWithPrevious, MergedWithNext)");
      step->pattern = compile(text, literal, label);
    } else {
      throw Error(MOECAP_ERR_UNSUPPORTED,
                  label + ": pre_tokenizer \"" + type + "\" is not supported (ByteLevel, Split, Sequence)");
    }
    out.steps_.push_back(std::move(step));
  }
  return out;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string> pieces{std::string(text)};
  for (const auto& step : steps_) {
    std::vector<std::string> next;
    for (auto& piece : pieces) {
      if (step->kind == Step::Kind::ByteLevel) {
        if (step->add_prefix_space && !piece.empty() && piece.front() != ' ') piece.insert(0, " ");
        std::vector<std::string> parts =
            step->pattern ? split_by(*step->pattern, Behavior::Isolated, piece) : std::vector<std::string>{piece};
        for (const auto& part : parts) next.push_back(bytes_to_byte_level(part));
      } else {
        for (auto& part : split_by(*step->pattern, step->behavior, piece)) next.push_back(std::move(part));
      }
    }
    pieces = std::move(next);
  }
  pieces.erase(std::remove_if(pieces.begin(), pieces.end(), [](const std::string& p) { return p.empty(); }),
               pieces.end());
  return pieces;
}

}  // namespace moecap::hf
