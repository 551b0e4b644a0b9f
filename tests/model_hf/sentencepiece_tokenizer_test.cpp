// SentencePiece .model files through libsentencepiece: a model trained here encodes and decodes text.
#include "sentencepiece_tokenizer.hpp"

#include <gtest/gtest.h>
#include <sentencepiece_trainer.h>

#include "moecap/cpp/host.hpp"
#include "safetensors_writer.hpp"

namespace moecap::hf {
namespace {

TEST(SentencePieceTokenizer, TrainedModelRoundTripsAndAddsBos) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 50; ++i) text += "the quick brown fox jumps over the lazy dog " + std::to_string(i) + "\n";
  testing::write_file(dir.file("corpus.txt"), text);
  const auto status = sentencepiece::SentencePieceTrainer::Train("--input=" + dir.file("corpus.txt") +
                                                                 " --model_prefix=" + dir.file("sp") +
                                                                 " --vocab_size=60 --model_type=bpe --minloglevel=2");
  ASSERT_TRUE(status.ok()) << status.ToString();

  const SentencePieceTokenizer tokenizer(dir.file("sp.model"));
  EXPECT_EQ(tokenizer.vocab_size(), 60u);
  const auto ids = tokenizer.encode("the lazy fox", false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(tokenizer.decode(ids), "the lazy fox");
  const auto with_bos = tokenizer.encode("the lazy fox", true);
  EXPECT_EQ(with_bos.size(), ids.size() + 1);
  EXPECT_EQ(with_bos.front(), 1);  // sentencepiece's default bos id
  EXPECT_THROW(tokenizer.decode(std::vector<int32_t>{1000}), Error);
}

TEST(SentencePieceTokenizer, NotAModelIsANamedError) {
  testing::TempDir dir;
  testing::write_file(dir.file("bad.model"), "not a protobuf");
  try {
    SentencePieceTokenizer tokenizer(dir.file("bad.model"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.model"), std::string::npos);
  }
}

}  // namespace
}  // namespace moecap::hf
