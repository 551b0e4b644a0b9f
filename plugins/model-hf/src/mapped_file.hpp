// A read-only memory mapping of a whole file: the storage every zero-copy weight view points into.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace moecap::hf {

/// Maps a file read-only for the lifetime of the object. Move-only; unmaps on destruction.
/// An empty file maps to an empty span (mmap refuses length 0).
class MappedFile {
 public:
  /// Throws moecap::Error (NOT_FOUND when the file cannot be opened, INVALID_ARG when it is not a regular
  /// file) naming the path.
  explicit MappedFile(const std::string& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(data_), size_}; }
  const std::string& path() const { return path_; }

 private:
  void release() noexcept;

  std::string path_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace moecap::hf
