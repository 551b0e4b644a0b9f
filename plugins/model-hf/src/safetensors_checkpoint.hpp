// The weights of a Hugging Face checkpoint directory: model.safetensors, or shards listed by
// model.safetensors.index.json. Every tensor name resolves to exactly one stored tensor.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "safetensors_file.hpp"

namespace moecap::hf {

class SafetensorsCheckpoint {
 public:
  /// Opens directory: the index when model.safetensors.index.json exists, else model.safetensors, else the
  /// only *.safetensors file there. Throws moecap::Error naming the file and tensor on any defect: malformed
  /// index, a shard that is missing or outside the directory, a tensor the index names but its shard lacks,
  /// a tensor stored twice, and every header defect parse_safetensors_header() detects.
  static SafetensorsCheckpoint open(const std::string& directory);

  /// Names of every tensor, sorted.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  /// Throws moecap::Error(NOT_FOUND) naming the tensor and the directory when absent.
  StoredTensor get(const std::string& name) const;
  const std::string& directory() const { return directory_; }
  /// The files opened, in the order opened.
  size_t file_count() const { return files_.size(); }

 private:
  explicit SafetensorsCheckpoint(std::string directory) : directory_(std::move(directory)) {}
  void add_file_tensors(const SafetensorsFile& file);

  std::string directory_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::unordered_map<std::string, StoredTensor> tensors_;
};

}  // namespace moecap::hf
