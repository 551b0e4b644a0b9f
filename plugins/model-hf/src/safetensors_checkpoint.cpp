#include "safetensors_checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace fs = std::filesystem;

namespace {

constexpr const char* kIndexName = "model.safetensors.index.json";
constexpr const char* kSingleName = "model.safetensors";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(MOECAP_ERR_NOT_FOUND, path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// weight_map of an index, with duplicate names detected (nlohmann would keep the last silently).
std::map<std::string, std::string> read_weight_map(const std::string& index_path) {
  const std::string text = read_text(index_path);
  std::set<std::string> seen;
  std::string duplicate;
  nlohmann::json::parser_callback_t on_event = [&](int depth, nlohmann::json::parse_event_t event,
                                                   nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 2 && parsed.is_string()) {
      if (!seen.insert(parsed.get<std::string>()).second && duplicate.empty()) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text, on_event);
  } catch (const nlohmann::json::exception& e) {
    throw Error(MOECAP_ERR_INVALID_ARG, index_path + ": not valid JSON: " + e.what());
  }
  if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object())
    throw Error(MOECAP_ERR_INVALID_ARG, index_path + ": has no \"weight_map\" object");
  // The callback counts keys of every depth-2 object; only weight_map's matter.
  std::map<std::string, std::string> map;
  for (const auto& [name, shard] : json["weight_map"].items()) {
    if (!shard.is_string())
      throw Error(MOECAP_ERR_INVALID_ARG, index_path + ": tensor '" + name + "': shard is not a string");
    map.emplace(name, shard.get<std::string>());
  }
  if (!duplicate.empty() && map.count(duplicate) != 0)
    throw Error(MOECAP_ERR_INVALID_ARG, index_path + ": tensor '" + duplicate + "' appears twice in weight_map");
  return map;
}

}  // namespace

void SafetensorsCheckpoint::add_file_tensors(const SafetensorsFile& file) {
  for (const auto& entry : file.header().entries) {
    const auto [it, inserted] = tensors_.emplace(entry.name, file.tensor(entry));
    if (!inserted)
      throw Error(MOECAP_ERR_INVALID_ARG,
                  file.path() + ": tensor '" + entry.name + "' is also stored in " + *it->second.file);
  }
}

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& directory) {
  SafetensorsCheckpoint checkpoint(directory);
  const fs::path dir(directory);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(MOECAP_ERR_NOT_FOUND, directory + ": not a directory");

  const fs::path index = dir / kIndexName;
  if (fs::exists(index, ec)) {
    const auto weight_map = read_weight_map(index.string());
    std::map<std::string, std::vector<std::string>> tensors_by_shard;
    for (const auto& [name, shard] : weight_map) tensors_by_shard[shard].push_back(name);
    for (const auto& [shard, names] : tensors_by_shard) {
      const fs::path shard_path(shard);
      // A shard is a file name next to the index; anything else could read outside the checkpoint.
      if (shard.empty() || shard_path.has_parent_path() || shard == "." || shard == "..")
        throw Error(MOECAP_ERR_INVALID_ARG, index.string() + ": tensor '" + names.front() + "': shard \"" + shard +
                                                "\" is not a file name in the checkpoint directory");
      const fs::path path = dir / shard_path;
      if (!fs::exists(path, ec))
        throw Error(MOECAP_ERR_NOT_FOUND,
                    index.string() + ": tensor '" + names.front() + "': shard " + path.string() + " does not exist");
      checkpoint.files_.push_back(std::make_unique<SafetensorsFile>(path.string()));
      const SafetensorsFile& file = *checkpoint.files_.back();
      for (const auto& name : names)
        if (file.find(name) == nullptr)
          throw Error(MOECAP_ERR_NOT_FOUND, file.path() + ": tensor '" + name + "' is listed in " + kIndexName +
                                                " but the shard does not hold it");
      checkpoint.add_file_tensors(file);
    }
    // Tensors a shard holds but the index does not list are still loaded (add_file_tensors), as the
    // transformers loader does; listing is the index's job, storage the shard's.
    return checkpoint;
  }

  fs::path single = dir / kSingleName;
  if (!fs::exists(single, ec)) {
    std::vector<fs::path> candidates;
    for (const auto& item : fs::directory_iterator(dir, ec))
      if (item.path().extension() == ".safetensors") candidates.push_back(item.path());
    if (candidates.empty())
      throw Error(MOECAP_ERR_NOT_FOUND,
                  directory + ": holds neither " + std::string(kIndexName) + " nor " + kSingleName);
    if (candidates.size() > 1)
      throw Error(MOECAP_ERR_INVALID_ARG, directory + ": holds " + std::to_string(candidates.size()) +
                                              " .safetensors files but no " + kIndexName + " saying which to load");
    single = candidates.front();
  }
  checkpoint.files_.push_back(std::make_unique<SafetensorsFile>(single.string()));
  checkpoint.add_file_tensors(*checkpoint.files_.back());
  return checkpoint;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& [name, tensor] : tensors_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

StoredTensor SafetensorsCheckpoint::get(const std::string& name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end())
    throw Error(MOECAP_ERR_NOT_FOUND, directory_ + ": tensor '" + name + "' is missing from the checkpoint");
  return it->second;
}

}  // namespace moecap::hf
