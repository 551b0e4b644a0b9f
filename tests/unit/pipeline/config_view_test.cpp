// The getters a plugin reads its sub-table with: types, positions in messages, paths, unread keys.
#include "moecap/host/config_view.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "moecap/host/host_services.hpp"
#include "pipeline_test_support.hpp"

namespace moecap::host {
namespace {

using testing::fixture;

class ConfigViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = toml::parse_file(file_);
    view_ = std::make_unique<ConfigView>(root_["backend"].as_table(), file_, "backend");
  }
  const moecap_config* config() const { return view_->get(); }
  static std::string message(moecap_error* raw) {
    ErrorPtr error(raw);
    return error ? error_message(error.get()) : "";
  }
  static int32_t code(moecap_error* raw) {
    ErrorPtr error(raw);
    return error_code(error.get());
  }

  const std::string file_ = fixture("getters.toml");
  const moecap_host_api* api_ = host_api();
  toml::table root_;
  std::unique_ptr<ConfigView> view_;
};

TEST_F(ConfigViewTest, ReadsEveryType) {
  const char* text = nullptr;
  int64_t integer = 0;
  double number = 0;
  bool flag = false;
  size_t length = 0;
  ASSERT_EQ(api_->config_get_string(config(), "name", &text), nullptr);
  EXPECT_STREQ(text, "ref");
  ASSERT_EQ(api_->config_get_int(config(), "threads", &integer), nullptr);
  EXPECT_EQ(integer, 4);
  ASSERT_EQ(api_->config_get_double(config(), "scale", &number), nullptr);
  EXPECT_EQ(number, 0.5);
  ASSERT_EQ(api_->config_get_double(config(), "threads", &number), nullptr);  // integers convert
  EXPECT_EQ(number, 4.0);
  ASSERT_EQ(api_->config_get_bool(config(), "fused", &flag), nullptr);
  EXPECT_TRUE(flag);
  ASSERT_EQ(api_->config_get_string(config(), "cache.policy", &text), nullptr);
  EXPECT_STREQ(text, "lru");
  ASSERT_EQ(api_->config_get_array_len(config(), "sizes", &length), nullptr);
  EXPECT_EQ(length, 3u);
  ASSERT_EQ(api_->config_get_int_at(config(), "sizes", 2, &integer), nullptr);
  EXPECT_EQ(integer, 3);
  ASSERT_EQ(api_->config_get_double_at(config(), "ratios", 1, &number), nullptr);
  EXPECT_EQ(number, 1.0);
  ASSERT_EQ(api_->config_get_string_at(config(), "names", 1, &text), nullptr);
  EXPECT_STREQ(text, "b");
  EXPECT_TRUE(api_->config_has(config(), "cache.policy"));
  EXPECT_FALSE(api_->config_has(config(), "cache.size"));
}

TEST_F(ConfigViewTest, WrongTypeNamesThePositionAndTheTypes) {
  int64_t integer = 0;
  EXPECT_EQ(message(api_->config_get_int(config(), "name", &integer)),
            file_ + ":3:8: key 'backend.name': expected an integer, found a string");
  bool flag = false;
  EXPECT_EQ(code(api_->config_get_bool(config(), "threads", &flag)), MOECAP_ERR_INVALID_ARG);
  const char* text = nullptr;
  EXPECT_EQ(message(api_->config_get_string_at(config(), "sizes", 0, &text)),
            file_ + ":8:10: key 'backend.sizes[0]': expected a string, found an integer");
  EXPECT_EQ(message(api_->config_get_int_at(config(), "sizes", 3, &integer)),
            file_ + ":8:9: key 'backend.sizes': index 3 is past the end (3 elements)");
}

TEST_F(ConfigViewTest, MissingKeyIsNotFound) {
  int64_t integer = 0;
  moecap_error* raw = api_->config_get_int(config(), "cache.size", &integer);
  EXPECT_EQ(code(api_->config_get_int(config(), "cache.size", &integer)), MOECAP_ERR_NOT_FOUND);
  EXPECT_EQ(message(raw), file_ + ": key 'backend.cache.size' is not set");
}

TEST_F(ConfigViewTest, ConfigErrorCarriesThePosition) {
  EXPECT_EQ(message(api_->config_error(config(), "threads", "must be a power of two")),
            file_ + ":4:11: key 'backend.threads': must be a power of two");
}

TEST_F(ConfigViewTest, PathsResolveAgainstThePipelineFolder) {
  const char* path = nullptr;
  ASSERT_EQ(api_->config_get_path(config(), "weights", &path), nullptr);
  EXPECT_EQ(std::string(path),
            (std::filesystem::absolute(file_).parent_path() / "data" / "weights.bin").lexically_normal().string());
}

TEST_F(ConfigViewTest, UnreadKeysListEverythingNobodyRead) {
  view_->mark_read("plugin");
  const char* text = nullptr;
  int64_t integer = 0;
  ASSERT_EQ(api_->config_get_string(config(), "name", &text), nullptr);
  ASSERT_EQ(api_->config_get_int(config(), "threads", &integer), nullptr);
  std::vector<std::string> unread;
  for (const auto& u : view_->unread_keys()) unread.push_back(u.full_key + " @ " + u.position);
  EXPECT_EQ(unread, (std::vector<std::string>{
                        "backend.cache.policy @ " + file_ + ":14:10",
                        "backend.fused @ " + file_ + ":6:9",
                        "backend.names @ " + file_ + ":10:9",
                        "backend.ratios @ " + file_ + ":9:10",
                        "backend.scale @ " + file_ + ":5:9",
                        "backend.sizes @ " + file_ + ":8:9",
                        "backend.unused @ " + file_ + ":11:10",
                        "backend.weights @ " + file_ + ":7:11",
                    }));
}

TEST(ConfigViewOwnership, ViewFromAPipelineEntrySharesItsTable) {
  std::unique_ptr<ConfigView> view;
  {
    const Pipeline p = load_pipeline(fixture("minimal.toml"), {}, {});
    view = p.points[0].backend.make_config_view();
  }
  const char* plugin = nullptr;
  ASSERT_EQ(host_api()->config_get_string(view->get(), "plugin", &plugin), nullptr);
  EXPECT_STREQ(plugin, "reference");
  EXPECT_TRUE(view->unread_keys().empty());  // plugin is the host's, marked read
}

TEST(ConfigViewPositions, OverrideNodesPositionIsTheArgument) {
  toml::table table = toml::parse("v = 1", std::string_view("--set backend.v=1"));
  EXPECT_EQ(source_position("pipeline.toml", table.get("v")->source()), "--set backend.v=1");
  toml::table other = toml::parse("v = 1", std::string_view("other.toml"));
  EXPECT_EQ(source_position("pipeline.toml", other.get("v")->source()), "other.toml:1:5");
  EXPECT_EQ(source_position("pipeline.toml", toml::source_region{}), "pipeline.toml");
}

}  // namespace
}  // namespace moecap::host
