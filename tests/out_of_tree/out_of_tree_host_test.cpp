// The host side of the out-of-tree test: loads the plugin run_out_of_tree.cmake built against the
// installed SDK, writes records through the proxies, and runs the conformance kit on it.
//   test_out_of_tree_host <plugin.so> <scratch dir>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "moecap/host/commands.hpp"
#include "moecap/host/config_view.hpp"
#include "moecap/host/plugin_registry.hpp"

namespace {

std::filesystem::path g_plugin;
std::filesystem::path g_scratch;

using namespace moecap::host;

TEST(OutOfTreePlugin, LoadsAndWritesRecordsThroughTheHost) {
  PluginRegistry registry(PluginSearchPaths::only({}));
  SinkProxy proxy = registry.sink("oot_file", g_plugin);
  EXPECT_EQ(proxy.component().plugin().name(), "oot_file");
  EXPECT_EQ(proxy.component().plugin().vendor(), "Out-of-tree Vendor");

  const std::filesystem::path output = g_scratch / "records.txt";
  toml::table table{{"path", output.string()}};
  ConfigView config(&table, "", "sink");
  Sink sink = proxy.open(config.get());
  for (int64_t step = 0; step < 3; ++step) {
    moecap_field fields[2] = {};
    fields[0].name = "step";
    fields[0].unit = "";
    fields[0].type = MOECAP_FIELD_INT;
    fields[0].int_value = step;
    fields[1].name = "latency_s";
    fields[1].unit = "s";
    fields[1].type = MOECAP_FIELD_DOUBLE;
    fields[1].double_value = 0.5;
    moecap_record record{};
    record.struct_size = sizeof record;
    record.type = MOECAP_RECORD_STEP;
    record.n_fields = 2;
    record.fields = fields;
    record.run_id = "oot";
    sink.write(record);
  }
  sink.close();

  std::ifstream in(output);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "oot step=0 latency_s=0.5\noot step=1 latency_s=0.5\noot step=2 latency_s=0.5\n");
}

TEST(OutOfTreePlugin, PassesTheConformanceKit) {
  const std::filesystem::path config_file = g_scratch / "conformance.toml";
  std::ofstream(config_file) << "path = \"" << (g_scratch / "conformance-records.txt").string() << "\"\n";
  ConformanceOptions options;
  options.config_path = config_file;
  options.repetitions = 10;
  std::ostringstream out;
  EXPECT_EQ(run_conformance_command(g_plugin.string(), options, false, out), 0) << out.str();
  EXPECT_EQ(out.str().find("SKIP"), std::string::npos) << out.str();
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <plugin.so> <scratch dir>\n", argv[0]);
    return 2;
  }
  g_plugin = std::filesystem::absolute(argv[1]);
  g_scratch = std::filesystem::absolute(argv[2]);
  return RUN_ALL_TESTS();
}
