// The safetensors reader: good files give zero-copy views; every defect is an error naming file and tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "moecap/cpp/host.hpp"
#include "safetensors_checkpoint.hpp"
#include "safetensors_file.hpp"
#include "safetensors_writer.hpp"

namespace moecap::hf {
namespace {

using testing::safetensors_bytes;
using testing::safetensors_raw;
using testing::TempDir;
using testing::write_file;

/// The message of the moecap::Error fn throws; fails the test when it throws nothing.
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << haystack

TEST(Safetensors, ReadsTensorsAsViewsIntoTheMapping) {
  TempDir dir;
  const auto path = dir.file("model.safetensors");
  write_file(path, safetensors_bytes({{"a", "F32", {2, 2}, {1, 2, 3, 4}}, {"b", "BF16", {3}, {}}}));
  SafetensorsFile file(path);
  const auto* a = file.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 2}));
  const auto view = file.tensor(*a);
  ASSERT_EQ(view.bytes.size(), 16u);
  float values[4];
  std::memcpy(values, view.bytes.data(), 16);
  EXPECT_EQ(values[3], 4.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(view.bytes.data()) % 4, 0u);
  EXPECT_EQ(file.find("b")->dtype, SafetensorsDtype::BF16);
  EXPECT_EQ(file.find("c"), nullptr);
}

TEST(Safetensors, MisalignedTensorIsServedAligned) {
  TempDir dir;
  const auto path = dir.file("odd.safetensors");
  // An unpadded header of odd length puts the data at an odd address.
  std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  if ((8 + header.size()) % 2 == 0) header += ' ';
  std::string bytes = safetensors_raw(header, 0);
  const float one = 1.5f;
  bytes.append(reinterpret_cast<const char*>(&one), 4);
  write_file(path, bytes);
  SafetensorsFile file(path);
  const auto view = file.tensor(*file.find("a"));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(view.bytes.data()) % 4, 0u);
  float value;
  std::memcpy(&value, view.bytes.data(), 4);
  EXPECT_EQ(value, 1.5f);
}

struct BadCase {
  const char* title;
  std::string bytes;
  std::vector<std::string> expected;  // substrings of the message
};

std::vector<BadCase> bad_cases() {
  const std::string good = safetensors_bytes({{"w", "F32", {4}, {1, 2, 3, 4}}});
  return {
      {"shorter than the length field", "abc", {"bad.safetensors", "truncated"}},
      {"header length past the end", safetensors_raw("{}", 0).substr(0, 8) + "{", {"header length", "past the end"}},
      {"truncated data", good.substr(0, good.size() - 3), {"tensor 'w'", "past the end of the data"}},
      {"malformed JSON", safetensors_raw("{\"w\": [", 0), {"not valid JSON"}},
      {"header not an object", safetensors_raw("[1,2]", 0), {"not a JSON object"}},
      {"unknown dtype",
       safetensors_raw(R"({"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}})", 4),
       {"tensor 'w'", "unknown dtype \"F12\""}},
      {"size inconsistent with shape",
       safetensors_raw(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
       {"tensor 'w'", "need 12 bytes", "span 8"}},
      {"offsets backwards",
       safetensors_raw(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 8),
       {"tensor 'w'", "backwards"}},
      {"offsets out of range",
       safetensors_raw(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[100,108]}})", 8),
       {"tensor 'w'", "past the end"}},
      {"overlapping tensors",
       safetensors_raw(
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
           12),
       {"tensor 'b'", "overlap tensor 'a'"}},
      {"duplicate tensor",
       safetensors_raw(
           R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
           8),
       {"tensor 'a'", "appears twice"}},
      {"negative dimension",
       safetensors_raw(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
       {"tensor 'w'", "non-negative integer"}},
      {"element count overflows",
       safetensors_raw(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
       {"tensor 'w'", "too many elements"}},
      {"missing data_offsets",
       safetensors_raw(R"({"w":{"dtype":"F32","shape":[1]}})", 4),
       {"tensor 'w'", "data_offsets"}},
  };
}

TEST(Safetensors, EveryDefectIsAnErrorNamingFileAndTensor) {
  TempDir dir;
  for (const auto& c : bad_cases()) {
    SCOPED_TRACE(c.title);
    const auto path = dir.file("bad.safetensors");
    write_file(path, c.bytes);
    const std::string message = error_of([&] { SafetensorsFile file(path); });
    EXPECT_CONTAINS(message, path);
    for (const auto& part : c.expected) EXPECT_CONTAINS(message, part);
  }
}

TEST(Safetensors, MissingFileIsNotFound) {
  TempDir dir;
  try {
    SafetensorsFile file(dir.file("absent.safetensors"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), MOECAP_ERR_NOT_FOUND);
    EXPECT_CONTAINS(e.what(), "absent.safetensors");
  }
}

TEST(Safetensors, FiniteCheckNamesTheTensorAndElement) {
  TempDir dir;
  const auto path = dir.file("nan.safetensors");
  write_file(path, safetensors_bytes({{"ok", "F32", {2}, {1, 2}},
                                      {"bad", "F32", {3}, {0, std::numeric_limits<float>::infinity(), 1}}}));
  SafetensorsFile file(path);
  EXPECT_NO_THROW(check_finite(file.tensor(*file.find("ok"))));
  const auto message = error_of([&] { check_finite(file.tensor(*file.find("bad"))); });
  EXPECT_CONTAINS(message, "nan.safetensors");
  EXPECT_CONTAINS(message, "tensor 'bad'");
  EXPECT_CONTAINS(message, "element 1 is infinite");
}

TEST(SafetensorsCheckpoint, SingleFileAndShardedWithIndex) {
  TempDir single;
  write_file(single.file("model.safetensors"), safetensors_bytes({{"x", "F32", {1}, {7}}}));
  auto one = SafetensorsCheckpoint::open(single.path().string());
  EXPECT_EQ(one.names(), std::vector<std::string>{"x"});

  TempDir sharded;
  write_file(sharded.file("model-00001-of-00002.safetensors"), safetensors_bytes({{"a", "F32", {1}, {1}}}));
  write_file(sharded.file("model-00002-of-00002.safetensors"), safetensors_bytes({{"b", "F32", {2}, {2, 3}}}));
  write_file(sharded.file("model.safetensors.index.json"),
             R"({"metadata":{"total_size":12},"weight_map":{"a":"model-00001-of-00002.safetensors",)"
             R"("b":"model-00002-of-00002.safetensors"}})");
  auto two = SafetensorsCheckpoint::open(sharded.path().string());
  EXPECT_EQ(two.file_count(), 2u);
  EXPECT_EQ(two.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(two.get("b").bytes.size(), 8u);
  const auto message = error_of([&] { two.get("c"); });
  EXPECT_CONTAINS(message, "tensor 'c' is missing");
}

TEST(SafetensorsCheckpoint, IndexDefectsNameIndexShardAndTensor) {
  struct Case {
    const char* title;
    std::string index;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"malformed JSON", "{\"weight_map\": {", {"model.safetensors.index.json", "not valid JSON"}},
      {"no weight_map", "{}", {"no \"weight_map\""}},
      {"missing shard",
       R"({"weight_map":{"a":"s1.safetensors","z":"gone.safetensors"}})",
       {"tensor 'z'", "gone.safetensors", "does not exist"}},
      {"shard lacks a listed tensor",
       R"({"weight_map":{"a":"s1.safetensors","q":"s1.safetensors"}})",
       {"s1.safetensors", "tensor 'q'", "does not hold it"}},
      {"tensor stored in two shards",
       R"({"weight_map":{"a":"s1.safetensors","a2":"s2.safetensors"}})",
       {"tensor 'a'", "also stored in"}},
      {"duplicate in weight_map",
       R"({"weight_map":{"a":"s1.safetensors","a":"s1.safetensors"}})",
       {"tensor 'a'", "twice"}},
      {"shard outside the folder", R"({"weight_map":{"a":"../s1.safetensors"}})", {"tensor 'a'", "not a file name"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.title);
    TempDir dir;
    write_file(dir.file("s1.safetensors"), safetensors_bytes({{"a", "F32", {1}, {1}}}));
    write_file(dir.file("s2.safetensors"), safetensors_bytes({{"a", "F32", {1}, {1}}, {"a2", "F32", {1}, {1}}}));
    write_file(dir.file("model.safetensors.index.json"), c.index);
    const auto message = error_of([&] { SafetensorsCheckpoint::open(dir.path().string()); });
    for (const auto& part : c.expected) EXPECT_CONTAINS(message, part);
  }
}

TEST(SafetensorsCheckpoint, FolderWithoutWeightsOrWithSeveralUnindexedFiles) {
  TempDir empty;
  EXPECT_CONTAINS(error_of([&] { SafetensorsCheckpoint::open(empty.path().string()); }), "holds neither");
  TempDir two;
  write_file(two.file("a.safetensors"), safetensors_bytes({{"a", "F32", {1}, {1}}}));
  write_file(two.file("b.safetensors"), safetensors_bytes({{"b", "F32", {1}, {1}}}));
  EXPECT_CONTAINS(error_of([&] { SafetensorsCheckpoint::open(two.path().string()); }),
                  "no model.safetensors.index.json");
}

}  // namespace
}  // namespace moecap::hf
