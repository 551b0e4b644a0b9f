// Where plugins are looked for, in which order, and how (kind, name) picks a library (DESIGN.md §2).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

#include "fixture_paths.hpp"
#include "moecap/host/plugin_registry.hpp"

namespace moecap::host {
namespace {

namespace fs = std::filesystem;
using test::sink_fixture;
using test::TempDir;

// Sets MOECAP_PLUGIN_PATH for one test and restores it afterwards.
class ScopedPluginPath {
 public:
  explicit ScopedPluginPath(const std::string& value) {
    if (const char* old = std::getenv("MOECAP_PLUGIN_PATH")) saved_ = old;
    setenv("MOECAP_PLUGIN_PATH", value.c_str(), 1);
  }
  ~ScopedPluginPath() {
    if (saved_)
      setenv("MOECAP_PLUGIN_PATH", saved_->c_str(), 1);
    else
      unsetenv("MOECAP_PLUGIN_PATH");
  }

 private:
  std::optional<std::string> saved_;
};

TEST(PluginFileName, ParsesKindNameAndVariant) {
  auto plain = parse_plugin_file_name("/x/libmoecap-backend-cuda.so");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->kind, PluginKind::backend);
  EXPECT_EQ(plain->name, "cuda");
  EXPECT_EQ(plain->variant, "");
  auto variant = parse_plugin_file_name("libmoecap-backend-cpu-haswell.so");
  ASSERT_TRUE(variant);
  EXPECT_EQ(variant->name, "cpu");
  EXPECT_EQ(variant->variant, "haswell");
  EXPECT_EQ(variant->file_name(), "libmoecap-backend-cpu-haswell.so");
  EXPECT_EQ(parse_plugin_file_name("libmoecap-sink-jsonl.so")->kind, PluginKind::sink);
}

TEST(PluginFileName, RejectsOtherNames) {
  for (const char* name : {"libmoecap-gadget-x.so", "libmoecap-sink.so", "libmoecap-sink-.so", "moecap-sink-x.so",
                           "libmoecap-sink-x.so.1", "libmoecap-sink-x--y.so", "libmoecap_fx_helper.so"})
    EXPECT_FALSE(parse_plugin_file_name(name)) << name;
}

TEST(SearchPaths, StandardOrderIsCliThenEnvironmentThenNextToTheExecutableThenInstall) {
  TempDir tmp;
  ScopedPluginPath env((tmp.path() / "env1").string() + "::relative/dir:" + (tmp.path() / "env2").string());
  PluginSearchPaths paths = PluginSearchPaths::standard({tmp.path() / "cli"}, tmp.path() / "bin");
  std::vector<fs::path> dirs;
  std::vector<SearchOrigin> origins;
  for (const SearchDirectory& d : paths.directories) {
    dirs.push_back(d.path);
    origins.push_back(d.origin);
  }
  std::vector<fs::path> expected = {tmp.path() / "cli", tmp.path() / "env1", tmp.path() / "env2",
                                    tmp.path() / "lib" / "moecap" / "plugins", tmp.path() / "bin" / "plugins"};
  ASSERT_GE(dirs.size(), expected.size());
  EXPECT_EQ(std::vector<fs::path>(dirs.begin(), dirs.begin() + 5), expected);
  EXPECT_EQ(origins[0], SearchOrigin::command_line);
  EXPECT_EQ(origins[1], SearchOrigin::environment);
  EXPECT_EQ(origins[3], SearchOrigin::executable_relative);
  // The compile-time install folder comes last.
  EXPECT_EQ(origins.back(), SearchOrigin::install);
  EXPECT_EQ(dirs.back(), fs::path(MOECAP_INSTALL_PLUGIN_DIR).lexically_normal());
}

TEST(SearchPaths, NeverTheCurrentDirectory) {
  TempDir tmp;
  const fs::path old_cwd = fs::current_path();
  fs::current_path(tmp.path());
  ScopedPluginPath env(":.:plugins");  // empty and relative entries would all mean the current directory
  PluginSearchPaths paths = PluginSearchPaths::standard({}, tmp.path() / "bin");
  fs::current_path(old_cwd);
  for (const SearchDirectory& d : paths.directories) {
    EXPECT_TRUE(d.path.is_absolute()) << d.path;
    EXPECT_NE(d.path, tmp.path());
    EXPECT_NE(d.origin, SearchOrigin::environment) << d.path;
  }
}

TEST(SearchPaths, ExecutableDirIsWhereTheTestBinaryIs) {
  const fs::path dir = executable_dir();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(dir.is_absolute());
}

TEST(Registry, FirstDirectoryInSearchOrderWins) {
  TempDir tmp;
  const fs::path cli = tmp.copy(sink_fixture("fx_good"), "cli", "libmoecap-sink-order.so");
  const fs::path env = tmp.copy(sink_fixture("fx_good"), "env", "libmoecap-sink-order.so");
  const fs::path exe_relative = tmp.copy(sink_fixture("fx_good"), "lib/moecap/plugins", "libmoecap-sink-order.so");
  ScopedPluginPath variable((tmp.path() / "env").string());

  {
    PluginRegistry registry(PluginSearchPaths::standard({tmp.path() / "cli"}, tmp.path() / "bin"));
    EXPECT_EQ(registry.resolve(PluginKind::sink, "order").plugin().path(), cli);
  }
  {
    PluginRegistry registry(PluginSearchPaths::standard({}, tmp.path() / "bin"));
    EXPECT_EQ(registry.resolve(PluginKind::sink, "order").plugin().path(), env);
  }
  {
    ScopedPluginPath cleared("");
    PluginRegistry registry(PluginSearchPaths::standard({}, tmp.path() / "bin"));
    EXPECT_EQ(registry.resolve(PluginKind::sink, "order").plugin().path(), exe_relative);
  }
}

TEST(Registry, ExplicitPathBypassesDiscovery) {
  PluginRegistry registry(PluginSearchPaths::only({}));
  ComponentRef sink = registry.resolve(PluginKind::sink, "fx_good", sink_fixture("fx_good"));
  EXPECT_EQ(sink.plugin().path(), sink_fixture("fx_good"));
  EXPECT_EQ(sink.name(), "fx_good");
}

TEST(Registry, HighestProbeScoreAmongVariantsWins) {
  PluginRegistry registry(PluginSearchPaths::only({test::fixture_dir()}));
  ComponentRef sink = registry.resolve(PluginKind::sink, "fx_variant");
  EXPECT_EQ(sink.plugin().path().filename(), "libmoecap-sink-fx_variant-high.so");
  EXPECT_EQ(sink.plugin().probe_score(), 9);
}

TEST(Registry, PlainLibraryIsTheFallbackWhenNoVariantCanRun) {
  TempDir tmp;
  tmp.copy(test::fixture_dir() / "libmoecap-sink-fx_variant-unsupported.so", "p",
           "libmoecap-sink-fx_variant-unsupported.so");
  const fs::path plain = tmp.copy(sink_fixture("fx_variant"), "p", "libmoecap-sink-fx_variant.so");
  PluginRegistry registry(PluginSearchPaths::only({tmp.path() / "p"}));
  EXPECT_EQ(registry.resolve(PluginKind::sink, "fx_variant").plugin().path(), plain);
}

TEST(Registry, UnknownPluginListsTheAvailableNames) {
  PluginRegistry registry(PluginSearchPaths::only({test::fixture_dir()}));
  try {
    registry.sink("nonesuch");
    FAIL() << "expected an error";
  } catch (const HostException& e) {
    EXPECT_EQ(e.code(), MOECAP_ERR_NOT_FOUND);
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("no sink plugin named 'nonesuch' (looked for libmoecap-sink-nonesuch.so", 0), 0u) << what;
    EXPECT_NE(what.find("available: fx_extra_export, fx_good, fx_init_error,"), std::string::npos) << what;
    EXPECT_NE(what.find("fx_variant"), std::string::npos) << what;
  }
}

TEST(Registry, RejectedPluginByNameReportsTheLoaderMessage) {
  PluginRegistry registry(PluginSearchPaths::only({test::fixture_dir()}));
  try {
    registry.sink("fx_major_mismatch");
    FAIL() << "expected an error";
  } catch (const HostException& e) {
    EXPECT_NE(std::string(e.what()).find(sink_fixture("fx_major_mismatch").string() +
                                         ": plugin built for SDK ABI 2.x; this host speaks 1.x"),
              std::string::npos)
        << e.what();
  }
}

TEST(Registry, DuplicatePluginNameIsRejected) {
  TempDir tmp;
  const fs::path copy = tmp.copy(sink_fixture("fx_good"), "dup", "libmoecap-sink-fx_copy.so");
  PluginRegistry registry(PluginSearchPaths::only({}));
  registry.load(sink_fixture("fx_good"));
  try {
    registry.load(copy);
    FAIL() << "expected an error";
  } catch (const HostException& e) {
    EXPECT_EQ(std::string(e.what()),
              copy.string() + ": plugin name 'fx_good' is already loaded from " + sink_fixture("fx_good").string());
  }
}

TEST(Registry, LoadingTheSameLibraryTwiceGivesTheSamePlugin) {
  PluginRegistry registry(PluginSearchPaths::only({}));
  auto first = registry.load(sink_fixture("fx_good"));
  auto second = registry.load(test::fixture_dir() / "." / "libmoecap-sink-fx_good.so");
  EXPECT_EQ(first, second);
  EXPECT_EQ(registry.loaded().size(), 1u);
}

}  // namespace
}  // namespace moecap::host
