#include "bpe_tokenizer.hpp"

#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "byte_level.hpp"
#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace {

using nlohmann::json;

// Joins a merge pair into one map key. 0xFF never occurs in UTF-8, so no token can contain it.
std::string pair_key(const std::string& left, const std::string& right) {
  return left + '\xff' + right;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_word_byte(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

/// Length of the UTF-8 sequence that starts with lead (1 for a stray continuation byte, so it stands alone).
size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

[[noreturn]] void fail(const std::string& label, const std::string& message, int32_t code = MOECAP_ERR_INVALID_ARG) {
  throw Error(code, label + ": " + message);
}

}  // namespace

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(MOECAP_ERR_NOT_FOUND, path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  json root;
  try {
    root = json::parse(text.str());
  } catch (const json::exception& e) {
    throw Error(MOECAP_ERR_INVALID_ARG, path + ": not valid JSON: " + e.what());
  }
  return from_json(root, path);
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_json(const json& root, const std::string& label) {
  auto tok = std::unique_ptr<BpeTokenizer>(new BpeTokenizer());
  tok->label_ = label;
  if (!root.is_object() || !root.contains("model") || !root["model"].is_object())
    fail(label, "has no \"model\" object");
  const json& model = root["model"];
  const std::string type = model.value("type", std::string("BPE"));
  if (type != "BPE") fail(label, "model type \"" + type + "\" is not supported (BPE)", MOECAP_ERR_UNSUPPORTED);
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (model.contains(key) && model[key].is_string() && !model[key].get<std::string>().empty())
      fail(label, std::string("model.") + key + " is not supported", MOECAP_ERR_UNSUPPORTED);
  if (model.contains("dropout") && model["dropout"].is_number() && model["dropout"].get<double>() > 0)
    fail(label, "model.dropout is not supported (encoding would not be deterministic)", MOECAP_ERR_UNSUPPORTED);

  if (!model.contains("vocab") || !model["vocab"].is_object()) fail(label, "model.vocab is not an object");
  int32_t max_id = -1;
  for (const auto& [token, id] : model["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > std::numeric_limits<int32_t>::max())
      fail(label, "model.vocab: token \"" + token + "\" has an invalid id");
    tok->vocab_.emplace(token, id.get<int32_t>());
    max_id = std::max(max_id, id.get<int32_t>());
  }

  // Added tokens may extend the vocabulary past model.vocab.
  if (root.contains("added_tokens") && root["added_tokens"].is_array()) {
    for (const auto& node : root["added_tokens"]) {
      AddedToken added;
      if (!node.contains("id") || !node["id"].is_number_integer() || !node.contains("content") ||
          !node["content"].is_string() || node["content"].get<std::string>().empty())
        fail(label, "added_tokens: each entry needs an integer id and a non-empty content");
      added.id = node["id"].get<int32_t>();
      if (added.id < 0) fail(label, "added_tokens: negative id");
      added.content = node["content"].get<std::string>();
      added.lstrip = node.value("lstrip", false);
      added.rstrip = node.value("rstrip", false);
      added.single_word = node.value("single_word", false);
      added.special = node.value("special", false);
      max_id = std::max(max_id, added.id);
      tok->added_by_id_.emplace(added.id, tok->added_.size());
      tok->added_.push_back(std::move(added));
    }
  }
  tok->id_to_token_.assign(static_cast<size_t>(max_id + 1), std::string());
  for (const auto& [token, id] : tok->vocab_) tok->id_to_token_[static_cast<size_t>(id)] = token;
  for (const auto& added : tok->added_) tok->id_to_token_[static_cast<size_t>(added.id)] = added.content;

  if (model.contains("merges") && model["merges"].is_array()) {
    int32_t rank = 0;
    for (const auto& merge : model["merges"]) {
      std::string left, right;
      if (merge.is_string()) {  // "left right" (tokenizers < 0.20)
        const auto& text = merge.get_ref<const std::string&>();
        const auto space = text.find(' ', 1);
        if (space == std::string::npos) fail(label, "model.merges: \"" + text + "\" is not \"left right\"");
        left = text.substr(0, space);
        right = text.substr(space + 1);
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        left = merge[0].get<std::string>();
        right = merge[1].get<std::string>();
      } else {
        fail(label, "model.merges: entry " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
      }
      if (tok->vocab_.count(left + right) == 0)
        fail(label, "model.merges: \"" + left + "\" + \"" + right + "\" merges into a token missing from the vocab");
      tok->merge_ranks_.emplace(pair_key(left, right), rank++);  // the first occurrence keeps its rank
    }
  }
  tok->byte_fallback_ = model.value("byte_fallback", false);
  tok->ignore_merges_ = model.value("ignore_merges", false);
  if (model.contains("unk_token") && model["unk_token"].is_string()) {
    const auto it = tok->vocab_.find(model["unk_token"].get<std::string>());
    if (it == tok->vocab_.end()) fail(label, "model.unk_token is not in the vocab");
    tok->unk_id_ = it->second;
  }

  tok->normalizer_ = TextNormalizer::from_json(root.value("normalizer", json()), label);
  tok->pre_tokenizer_ = PreTokenizer::from_json(root.value("pre_tokenizer", json()), label);

  // Post-processor: the ids placed around a single sequence.
  auto read_post = [&](auto&& self, const json& node) -> void {
    if (node.is_null()) return;
    const std::string kind = node.value("type", std::string());
    if (kind == "ByteLevel") return;  // offsets only
    if (kind == "Sequence") {
      for (const auto& child : node.value("processors", json::array())) self(self, child);
      return;
    }
    if (kind == "TemplateProcessing") {
      const json& special = node.value("special_tokens", json::object());
      bool after_sequence = false;
      for (const auto& item : node.value("single", json::array())) {
        if (item.contains("Sequence")) {
          after_sequence = true;
        } else if (item.contains("SpecialToken")) {
          const std::string name = item["SpecialToken"].value("id", std::string());
          if (!special.contains(name)) fail(label, "post_processor: special token \"" + name + "\" is not defined");
          for (const auto& id : special[name].value("ids", json::array()))
            (after_sequence ? tok->template_.after : tok->template_.before).push_back(id.get<int32_t>());
        }
      }
      return;
    }
    if (kind == "RobertaProcessing" || kind == "BertProcessing") {
      tok->template_.before.push_back(node["cls"][1].get<int32_t>());
      tok->template_.after.push_back(node["sep"][1].get<int32_t>());
      return;
    }
    fail(label, "post_processor \"" + kind + "\" is not supported", MOECAP_ERR_UNSUPPORTED);
  };
  read_post(read_post, root.value("post_processor", json()));

  auto read_decoder = [&](auto&& self, const json& node) -> void {
    if (node.is_null()) return;
    const std::string kind = node.value("type", std::string());
    if (kind == "ByteLevel")
      tok->byte_level_decoder_ = true;
    else if (kind == "ByteFallback")
      tok->byte_fallback_decoder_ = true;
    else if (kind == "Fuse")
      return;  // concatenation is what decode does anyway
    else if (kind == "Sequence")
      for (const auto& child : node.value("decoders", json::array())) self(self, child);
    else
      fail(label, "decoder \"" + kind + "\" is not supported (ByteLevel, ByteFallback, Fuse, Sequence)",
           MOECAP_ERR_UNSUPPORTED);
  };
  read_decoder(read_decoder, root.value("decoder", json()));
  return tok;
}

int32_t BpeTokenizer::token_to_id(const std::string& token) const {
  const auto it = vocab_.find(token);
  if (it != vocab_.end()) return it->second;
  for (const auto& added : added_)
    if (added.content == token) return added.id;
  return -1;
}

void BpeTokenizer::encode_piece(const std::string& piece, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    const auto whole = vocab_.find(piece);
    if (whole != vocab_.end()) {
      out.push_back(whole->second);
      return;
    }
  }
  // Symbols start as single characters; a character the vocab lacks becomes its <0xXX> bytes (byte
  // fallback) or unk, and takes no part in merges.
  struct Symbol {
    std::string text;
    int32_t fixed_id;  // >= 0: already resolved (byte fallback / unk), never merged
  };
  std::vector<Symbol> symbols;
  for (size_t i = 0; i < piece.size();) {
    const size_t n = std::min(utf8_length(static_cast<unsigned char>(piece[i])), piece.size() - i);
    std::string ch = piece.substr(i, n);
    i += n;
    if (vocab_.count(ch) != 0) {
      symbols.push_back({std::move(ch), -1});
      continue;
    }
    bool done = false;
    if (byte_fallback_) {
      std::vector<int32_t> bytes;
      for (const char b : ch) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(b));
        const auto it = vocab_.find(name);
        if (it == vocab_.end()) break;
        bytes.push_back(it->second);
      }
      if (bytes.size() == ch.size()) {
        for (const int32_t id : bytes) symbols.push_back({std::string(), id});
        done = true;
      }
    }
    if (!done && unk_id_ >= 0) symbols.push_back({std::string(), unk_id_});
  }

  for (;;) {
    int32_t best_rank = std::numeric_limits<int32_t>::max();
    size_t best = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      if (symbols[i].fixed_id >= 0 || symbols[i + 1].fixed_id >= 0) continue;
      const auto it = merge_ranks_.find(pair_key(symbols[i].text, symbols[i + 1].text));
      if (it != merge_ranks_.end() && it->second < best_rank) best_rank = it->second, best = i;
    }
    if (best_rank == std::numeric_limits<int32_t>::max()) break;
    symbols[best].text += symbols[best + 1].text;
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  for (const auto& symbol : symbols) out.push_back(symbol.fixed_id >= 0 ? symbol.fixed_id : vocab_.at(symbol.text));
}

void BpeTokenizer::encode_segment(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  const std::string normalized = normalizer_.apply(text);
  for (const auto& piece : pre_tokenizer_.split(normalized)) encode_piece(piece, out);
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool add_special) const {
  std::vector<int32_t> out;
  if (add_special) out = template_.before;
  size_t segment_start = 0;  // start of the text not yet encoded
  size_t i = 0;
  while (i < text.size()) {
    const AddedToken* match = nullptr;
    for (const auto& added : added_) {
      if (text.compare(i, added.content.size(), added.content) != 0) continue;
      if (match != nullptr && match->content.size() >= added.content.size()) continue;
      if (added.single_word) {
        const size_t end = i + added.content.size();
        if ((i > 0 && is_word_byte(static_cast<unsigned char>(text[i - 1]))) ||
            (end < text.size() && is_word_byte(static_cast<unsigned char>(text[end]))))
          continue;
      }
      match = &added;
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    size_t before_end = i;
    if (match->lstrip)
      while (before_end > segment_start && is_space(text[before_end - 1])) --before_end;
    encode_segment(text.substr(segment_start, before_end - segment_start), out);
    out.push_back(match->id);
    i += match->content.size();
    if (match->rstrip)
      while (i < text.size() && is_space(text[i])) ++i;
    segment_start = i;
  }
  encode_segment(text.substr(segment_start), out);
  if (add_special) out.insert(out.end(), template_.after.begin(), template_.after.end());
  return out;
}

std::string BpeTokenizer::decode(std::span<const int32_t> ids) const {
  std::string out;
  for (const int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() ||
        (id_to_token_[static_cast<size_t>(id)].empty() && added_by_id_.count(id) == 0))
      throw Error(MOECAP_ERR_INVALID_ARG, label_ + ": token id " + std::to_string(id) + " is outside the vocabulary");
    const std::string& token = id_to_token_[static_cast<size_t>(id)];
    if (added_by_id_.count(id) != 0) {  // added tokens decode to their content, unmapped
      out += token;
      continue;
    }
    unsigned byte = 0;
    if (byte_fallback_decoder_ && token.size() == 6 && std::sscanf(token.c_str(), "<0x%02X>", &byte) == 1) {
      out += static_cast<char>(byte);
      continue;
    }
    if (!byte_level_decoder_) {
      out += token;
      continue;
    }
    for (size_t i = 0; i < token.size();) {
      const unsigned char lead = static_cast<unsigned char>(token[i]);
      const size_t n = std::min(utf8_length(lead), token.size() - i);
      char32_t c = n == 1 ? lead : lead & (0xFF >> (n + 1));
      for (size_t k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(token[i + k]) & 0x3F);
      const auto b = char_to_byte(c);
      if (b)
        out += static_cast<char>(*b);
      else
        out.append(token, i, n);  // not a byte-level character: keep it as written
      i += n;
    }
  }
  return out;
}

}  // namespace moecap::hf
