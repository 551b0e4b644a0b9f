// The typed proxies drive the good fixtures end to end; errors become HostException; an exception that
// escapes a plugin is caught by the host's last line of defence; fini waits for the last proxy.
#include <gtest/gtest.h>

#include <fstream>

#include "fixture_paths.hpp"
#include "moecap/host/config_view.hpp"
#include "moecap/host/plugin_registry.hpp"

namespace moecap::host {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::sink_fixture;

PluginRegistry fixture_registry() {
  return PluginRegistry(PluginSearchPaths::only({test::fixture_dir()}));
}

moecap_record make_record(const moecap_field* fields, int32_t n_fields) {
  moecap_record record{};
  record.struct_size = sizeof record;
  record.type = MOECAP_RECORD_STEP;
  record.n_fields = n_fields;
  record.fields = fields;
  record.run_id = "run-1";
  return record;
}

TEST(SinkProxy, WritesFlushesAndClosesThroughTheTable) {
  test::TempDir tmp;
  toml::table table{{"path", (tmp.path() / "out.txt").string()}};
  ConfigView config(&table, "", "sink");
  PluginRegistry registry(PluginSearchPaths::only({test::fixture_dir()}));
  SinkProxy proxy = registry.sink("fx_good");
  Sink sink = proxy.open(config.get());
  moecap_field field{};
  field.name = "tokens";
  field.unit = "";
  field.type = MOECAP_FIELD_INT;
  field.int_value = 42;
  moecap_record record = make_record(&field, 1);
  sink.write(record);
  sink.write(record);
  sink.flush();
  sink.flush();  // idempotent
  sink.close();
  EXPECT_FALSE(sink.is_open());
  std::ifstream in(tmp.path() / "out.txt");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(line, "record type=2 tokens=42");
    ++lines;
  }
  EXPECT_EQ(lines, 2);
}

TEST(SinkProxy, PluginErrorsBecomeHostExceptionsWithTheirCode) {
  test::TempDir tmp;
  toml::table table{{"path", (tmp.path() / "missing-dir" / "out.txt").string()}};
  ConfigView config(&table, "", "sink");
  PluginRegistry registry(PluginSearchPaths::only({test::fixture_dir()}));
  try {
    registry.sink("fx_good").open(config.get());
    FAIL() << "expected an error";
  } catch (const HostException& e) {
    EXPECT_EQ(e.code(), MOECAP_ERR_INVALID_ARG);
    EXPECT_EQ(std::string(e.what()), "sink 'fx_good' open: open: cannot create the output file");
  }
}

TEST(SinkProxy, ExceptionEscapingThePluginIsCaughtAndMarksItFaulted) {
  PluginRegistry registry(PluginSearchPaths::only({test::fixture_dir()}));
  SinkProxy proxy = registry.sink("fx_write_throws");
  Sink sink = proxy.open(nullptr);
  moecap_record record = make_record(nullptr, 0);
  try {
    sink.write(record);
    FAIL() << "expected an error";
  } catch (const HostException& e) {
    EXPECT_EQ(e.code(), MOECAP_ERR_INTERNAL);
    EXPECT_EQ(std::string(e.what()).rfind("sink 'fx_write_throws' write: an exception escaped the plugin: "
                                          "fixture write exploded",
                                          0),
              0u)
        << e.what();
  }
  EXPECT_TRUE(proxy.component().plugin().faulted());
}

TEST(ModelAndBackendProxies, SessionStepsThroughTheHostsWeightSource) {
  PluginRegistry registry = fixture_registry();
  ModelProxy model_proxy = registry.model("fx_tiny");
  BackendProxy backend = registry.backend("fx_tiny");

  std::shared_ptr<Model> model = model_proxy.open(nullptr);
  const moecap_model_desc& desc = model->describe();
  EXPECT_EQ(desc.vocab_size, 8);
  EXPECT_EQ(model->weight_count(), 1);
  EXPECT_EQ(std::string(model->weight_at(0).name), "embed_tokens");
  EXPECT_TRUE(model->weight_find("embed_tokens").has_value());
  EXPECT_FALSE(model->weight_find("lm_head").has_value());
  EXPECT_FALSE(model->has_tokenizer());
  EXPECT_THROW(model->tokenize("hi", false), HostException);

  // The forwarding table a backend receives answers like the model itself.
  const moecap_weight_source_i& source = model->weight_source();
  EXPECT_EQ(source.count(source.context), 1);
  moecap_tensor_view view{};
  view.struct_size = sizeof view;
  EXPECT_EQ(source.find(source.context, "embed_tokens", &view), nullptr);
  EXPECT_EQ(view.shape[0], 8);
  moecap_error* missing = source.find(source.context, "nope", &view);
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(error_code(missing), MOECAP_ERR_NOT_FOUND);
  ErrorPtr owned(missing);

  ASSERT_EQ(backend.device_count(), 1);
  EXPECT_EQ(backend.devices()[0].name, "fx:0");

  Session session = backend.create_session(model, nullptr);
  EXPECT_EQ(session.info().max_sequences, 16);

  const int64_t seq_ids[] = {7};
  const int32_t n_new[] = {3};
  const int64_t pos[] = {0};
  const int32_t modes[] = {MOECAP_LOGITS_LAST};
  const int32_t tokens[] = {1, 2, 5};
  moecap_batch batch{};
  batch.struct_size = sizeof batch;
  batch.n_seqs = 1;
  batch.n_tokens = 3;
  batch.seq_ids = seq_ids;
  batch.n_new = n_new;
  batch.pos = pos;
  batch.logits_mode = modes;
  batch.token_ids = tokens;
  std::vector<float> logits(8);
  std::vector<int32_t> expert_tokens(2);
  std::vector<int32_t> status(1, -1);
  moecap_step_result result{};
  result.struct_size = sizeof result;
  result.logits = logits.data();
  result.logits_capacity = logits.size();
  result.expert_tokens = expert_tokens.data();
  result.expert_stride = 2;
  result.seq_status = status.data();
  session.step(batch, result);
  EXPECT_EQ(status[0], MOECAP_OK);
  EXPECT_EQ(expert_tokens[0], 3);
  EXPECT_EQ(logits[5], 1.0f);
  session.release(7);
  try {
    session.release(7);
    FAIL() << "expected NOT_FOUND";
  } catch (const HostException& e) {
    EXPECT_EQ(e.code(), MOECAP_ERR_NOT_FOUND);
    EXPECT_EQ(std::string(e.what()), "backend 'fx_tiny' sequence_release 7: sequence_release: unknown sequence");
  }
}

TEST(TaskProxy, RequestsScoresAndSummary) {
  PluginRegistry registry = fixture_registry();
  Task task = registry.task("fx_tiny").open(nullptr);
  ASSERT_EQ(task.request_count(), 2);
  moecap_task_request request = task.request(0);
  EXPECT_EQ(request.kind, MOECAP_REQUEST_LOGLIKELIHOOD);
  EXPECT_EQ(request.n_continuations, 2);
  const double first_better[] = {-1.0, -2.0};
  moecap_task_response response{};
  response.struct_size = sizeof response;
  response.n_continuations = 2;
  response.loglikelihood = first_better;
  task.score(0, response);
  task.score(1, response);
  std::vector<moecap_task_metric> metrics = task.summary();
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(std::string(metrics[0].name), "acc");
  EXPECT_DOUBLE_EQ(metrics[0].value, 0.5);
  EXPECT_TRUE(task.serial_scoring());
}

// The fixture counts its fini calls behind get_proc_address("moecap_test_fini_count").
int32_t fini_count(const LoadedPlugin& plugin) {
  auto* counter = reinterpret_cast<int32_t (*)()>(plugin.proc_address("moecap_test_fini_count"));
  return counter != nullptr ? counter() : -1;
}

TEST(Lifetime, FiniRunsOnlyAfterTheRegistryAndEveryObjectAreGone) {
  std::optional<Sink> sink;
  std::shared_ptr<const LoadedPlugin> observer;  // keeps the plugin for the final check only
  int32_t before = 0;
  {
    PluginRegistry registry(PluginSearchPaths::only({test::fixture_dir()}));
    SinkProxy proxy = registry.sink("fx_good");
    before = fini_count(proxy.component().plugin());
    sink.emplace(proxy.open(nullptr));
  }
  // The registry and the proxy are gone; the open sink still holds the plugin, so fini has not run.
  observer = sink->component().plugin_ptr();
  EXPECT_EQ(fini_count(*observer), before);
  moecap_record record = make_record(nullptr, 0);
  sink->write(record);  // the library is still loaded and initialised
  sink.reset();
  EXPECT_EQ(fini_count(*observer), before);  // observer itself still holds it
  auto* counter = reinterpret_cast<int32_t (*)()>(observer->proc_address("moecap_test_fini_count"));
  observer.reset();
  // The library stays mapped after fini (never unloaded, O8), so its counter can still be read.
  EXPECT_EQ(counter(), before + 1);
}

}  // namespace
}  // namespace moecap::host
