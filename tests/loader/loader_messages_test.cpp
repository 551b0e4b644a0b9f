// Every way a fixture plugin misbehaves, and the exact message the host gives for it (plugin-abi.md §4.5).
#include <gtest/gtest.h>

#include "fixture_paths.hpp"
#include "moecap/host/plugin_loader.hpp"

namespace moecap::host {
namespace {

using test::sink_fixture;

struct Expected {
  const char* fixture;
  LoadStatus status;
  const char* message_after_path;  // the message is "<path>" followed by this
  int32_t code;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const Expected& expected, std::ostream* out) {
  *out << expected.fixture;
}

class LoaderMessage : public ::testing::TestWithParam<Expected> {};

TEST_P(LoaderMessage, IsExact) {
  const Expected& expected = GetParam();
  const std::filesystem::path path = sink_fixture(expected.fixture);
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  LoadReport report = load_plugin_library(path);
  EXPECT_EQ(report.status, expected.status) << report.reason;
  EXPECT_EQ(report.reason, path.string() + expected.message_after_path);
  EXPECT_EQ(report.error_code, expected.code);
  EXPECT_EQ(report.plugin, nullptr);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, LoaderMessage,
    ::testing::Values(
        Expected{"fx_no_entry", LoadStatus::rejected, ": not a moecap plugin (missing moecap_plugin_negotiate)",
                 MOECAP_ERR_ABI},
        Expected{"fx_major_mismatch", LoadStatus::rejected, ": plugin built for SDK ABI 2.x; this host speaks 1.x",
                 MOECAP_ERR_ABI},
        Expected{"fx_minor_too_new", LoadStatus::rejected,
                 ": plugin needs ABI 1.7; host provides up to 1.0 \u2014 upgrade the host", MOECAP_ERR_ABI},
        Expected{"fx_small_negotiation", LoadStatus::rejected,
                 ": negotiation struct size 8 is invalid (expected at least 32)", MOECAP_ERR_ABI},
        Expected{"fx_no_init", LoadStatus::rejected, ": negotiate returned no init function", MOECAP_ERR_ABI},
        Expected{"fx_small_table", LoadStatus::rejected,
                 ": sink 'fx_small_table': table size 40 is below the size of ABI 1.0 (48)", MOECAP_ERR_ABI},
        Expected{"fx_null_required", LoadStatus::rejected, ": sink 'fx_null_required': required member 'flush' is NULL",
                 MOECAP_ERR_ABI},
        Expected{"fx_init_error", LoadStatus::rejected, ": init failed: the fixture device is not present",
                 MOECAP_ERR_DEVICE},
        Expected{"fx_init_throws", LoadStatus::rejected,
                 ": init failed: exception escaped the plugin: fixture init exploded", MOECAP_ERR_INTERNAL},
        Expected{"fx_probe_zero", LoadStatus::skipped, ": skipped: probe reports it cannot run on this host",
                 MOECAP_ERR_UNSUPPORTED}),
    [](const ::testing::TestParamInfo<Expected>& info) { return std::string(info.param.fixture); });

TEST(LoaderMessage, MissingDependencyShowsDlerrorNotBoostsBadFileDescriptor) {
  const std::filesystem::path path = sink_fixture("fx_missing_dependency");
  ASSERT_TRUE(std::filesystem::exists(path));
  LoadReport report = load_plugin_library(path);
  EXPECT_EQ(report.status, LoadStatus::rejected);
  EXPECT_EQ(report.reason, "cannot load " + path.string() +
                               ": libmoecap_fx_helper.so: cannot open shared object file: No such file or directory");
}

TEST(LoaderMessage, MissingFile) {
  const std::filesystem::path path = test::fixture_dir() / "libmoecap-sink-does_not_exist.so";
  LoadReport report = load_plugin_library(path);
  EXPECT_EQ(report.status, LoadStatus::rejected);
  EXPECT_EQ(report.reason, "cannot load " + path.string() + ": " + path.string() +
                               ": cannot open shared object file: No such file or directory");
}

TEST(LoaderMessage, MinorBelowTheHostsRange) {
  LoaderOptions options;
  options.host_abi = HostAbiRange{1, 1, 3};
  const std::filesystem::path path = sink_fixture("fx_good");
  LoadReport report = load_plugin_library(path, options);
  EXPECT_EQ(report.status, LoadStatus::rejected);
  EXPECT_EQ(report.reason, path.string() +
                               ": plugin built for ABI 1.0; host supports 1.1\u20131.3 \u2014 rebuild the plugin "
                               "against a newer SDK");
  ASSERT_TRUE(report.plugin_abi_minor.has_value());
  EXPECT_EQ(*report.plugin_abi_minor, 0u);
}

TEST(LoaderMessage, NewerHostMinorStillLoadsAnOlderPlugin) {
  LoaderOptions options;
  options.host_abi = HostAbiRange{1, 0, 5};
  LoadReport report = load_plugin_library(sink_fixture("fx_good"), options);
  EXPECT_EQ(report.status, LoadStatus::loaded) << report.reason;
}

TEST(LoaderMessage, GoodPluginLoadsWithItsDescription) {
  LoadReport report = load_plugin_library(sink_fixture("fx_good"));
  ASSERT_EQ(report.status, LoadStatus::loaded) << report.reason;
  EXPECT_TRUE(report.reason.empty());
  ASSERT_NE(report.plugin, nullptr);
  EXPECT_EQ(report.plugin->name(), "fx_good");
  EXPECT_EQ(report.plugin->version(), "1.0.0");
  EXPECT_EQ(report.plugin->vendor(), "moecap tests");
  EXPECT_EQ(report.plugin->abi_major(), 1u);
  EXPECT_EQ(report.plugin->abi_minor(), 0u);
  ASSERT_EQ(report.plugin->components().size(), 1u);
  EXPECT_EQ(report.plugin->components()[0].kind, PluginKind::sink);
  EXPECT_EQ(report.plugin->components()[0].name, "fx_good");
  EXPECT_FALSE(report.probe_score.has_value());  // it exports no probe
}

TEST(LoaderMessage, ALibraryIsInitialisedOnceAtATime) {
  // dlopen returns one handle per file, so a second init would share (and its fini destroy) the first's state.
  LoadReport first = load_plugin_library(sink_fixture("fx_good"));
  LoadReport second = load_plugin_library(sink_fixture("fx_good"));
  ASSERT_EQ(first.status, LoadStatus::loaded);
  EXPECT_EQ(first.plugin, second.plugin);
}

TEST(LoaderMessage, UnknownComponentKindIsSkippedAndTheRestLoads) {
  LoadReport report = load_plugin_library(sink_fixture("fx_unknown_kind"));
  ASSERT_EQ(report.status, LoadStatus::loaded) << report.reason;
  ASSERT_EQ(report.plugin->components().size(), 1u);
  EXPECT_EQ(report.plugin->components()[0].kind, PluginKind::sink);
}

}  // namespace
}  // namespace moecap::host
