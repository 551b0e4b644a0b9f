// CAP radar normalisation (moe-cap-method.md §9, §12 "Radar") and a well-formed SVG.
#include "moecap/host/radar_svg.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <vector>

namespace moecap::host {
namespace {

// Their README example, Qwen3-30B-A3B: TPOT (s), cost ($), accuracy.
std::vector<CapPoint> readme_example() {
  return {{"SGLang", 0.911, 0.058, 8920, "runs/sglang.jsonl"},
          {"K-Transformers", 0.800, 0.073, 3800, ""},
          {"MoE-Infinity", 0.911, 0.15, 3800, ""}};
}

// Their plotter: baseline 20, performance min-max (lower better), accuracy hi fixed at 1.0, cost lo 0 and
// hi T = 8,000 (lower better) → (perf, cost, acc) = (100, 20, 64.4), (86.96, 62, 20), (20, 62, 64.4).
TEST(RadarNormalisation, ReproducesTheMoecapPlotterVector) {
  RadarOptions options;
  options.accuracy.hi = 1.0;
  options.cost.lo = 0;
  options.cost.hi = 8000;
  const auto s = normalise_cap(readme_example(), options);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_NEAR(s[0].performance, 100, 0.005);
  EXPECT_NEAR(s[0].cost, 20, 0.005);
  EXPECT_NEAR(s[0].accuracy, 64.4, 0.005);
  EXPECT_NEAR(s[1].performance, 86.96, 0.005);
  EXPECT_NEAR(s[1].cost, 62, 0.005);
  EXPECT_NEAR(s[1].accuracy, 20, 0.005);
  EXPECT_NEAR(s[2].performance, 20, 0.005);
  EXPECT_NEAR(s[2].cost, 62, 0.005);
  EXPECT_NEAR(s[2].accuracy, 64.4, 0.005);
}

// Default: plain min-max over the systems; best 100, worst the baseline, whatever the direction.
TEST(RadarNormalisation, DefaultIsMinMaxOutwardBetter) {
  const auto s = normalise_cap(readme_example(), RadarOptions{});
  EXPECT_DOUBLE_EQ(s[0].cost, 20);   // the dearest
  EXPECT_DOUBLE_EQ(s[1].cost, 100);  // the cheapest
  EXPECT_DOUBLE_EQ(s[0].accuracy, 100);
  EXPECT_DOUBLE_EQ(s[1].accuracy, 20);
  RadarAxis throughput{"tokens/s", true, std::nullopt, std::nullopt};
  EXPECT_EQ(normalise_axis({10, 20, 30}, throughput, 0), (std::vector<double>{0, 50, 100}));
  EXPECT_EQ(normalise_axis({5, 5}, throughput, 20), (std::vector<double>{100, 100}));  // no spread: all best
  EXPECT_THROW(normalise_axis({1.0, std::numeric_limits<double>::infinity()}, throughput, 20), std::invalid_argument);
  EXPECT_THROW(normalise_axis({1}, throughput, 100), std::invalid_argument);
}

/// A small XML well-formedness check: every tag closes in order, attributes are quoted, one root.
bool well_formed(const std::string& xml, std::string& why) {
  std::vector<std::string> open;
  int roots = 0;
  size_t pos = 0;
  const std::regex tag(R"(^<(/?)([A-Za-z][\w:-]*)((\s+[\w:-]+="[^"<]*")*)\s*(/?)>$)");
  while ((pos = xml.find('<', pos)) != std::string::npos) {
    const size_t end = xml.find('>', pos);
    if (end == std::string::npos) return why = "unterminated tag", false;
    const std::string text = xml.substr(pos, end - pos + 1);
    pos = end + 1;
    if (text.starts_with("<?")) continue;
    std::smatch m;
    if (!std::regex_match(text, m, tag)) return why = "bad tag " + text, false;
    if (m[1] == "/") {
      if (open.empty() || open.back() != m[2]) return why = "mismatched " + text, false;
      open.pop_back();
    } else if (m[5] != "/") {
      if (open.empty()) ++roots;
      open.push_back(m[2]);
    } else if (open.empty()) {
      ++roots;
    }
  }
  if (!open.empty()) return why = "unclosed <" + open.back() + ">", false;
  if (roots != 1) return why = "expected one root", false;
  // Text outside tags must not hold a raw '&' that starts no entity.
  if (std::regex_search(xml, std::regex(R"(&(?!(amp|lt|gt|quot|apos);))"))) return why = "raw &", false;
  return true;
}

TEST(RadarNormalisation, NotMeasuredIsTheCentreAndTakesNoPartInMinMax) {
  const RadarAxis accuracy{"accuracy", true, std::nullopt, std::nullopt};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> scores = normalise_axis({0.5, nan, 0.7}, accuracy, 20);
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_DOUBLE_EQ(scores[0], 20);
  EXPECT_DOUBLE_EQ(scores[1], 0);
  EXPECT_DOUBLE_EQ(scores[2], 100);
  const std::vector<double> none = normalise_axis({nan, nan}, accuracy, 20);
  EXPECT_EQ(none, (std::vector<double>{0, 0}));
  const std::string svg = cap_radar_svg({{"run without a task", nan, 0.02, 1.5, ""}});
  EXPECT_NE(svg.find("accuracy n/a"), std::string::npos);
}

TEST(RadarSvg, IsWellFormedAndLabelsEveryPoint) {
  auto points = readme_example();
  points[1].label = "K-Transformers <int4> & \"friends\"";  // must be escaped
  const std::string svg = cap_radar_svg(points);
  std::string why;
  EXPECT_TRUE(well_formed(svg, why)) << why;
  EXPECT_TRUE(svg.starts_with("<?xml"));
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find("K-Transformers &lt;int4&gt; &amp; &quot;friends&quot;"), std::string::npos);
  EXPECT_NE(svg.find("<a href=\"runs/sglang.jsonl\">"), std::string::npos);
  // Three polygons (one per system) besides the five rings; each vertex labelled with its raw value.
  size_t polygons = 0;
  for (size_t p = svg.find("<polygon"); p != std::string::npos; p = svg.find("<polygon", p + 1)) ++polygons;
  EXPECT_EQ(polygons, 5u + 3u);
  EXPECT_NE(svg.find("SGLang: 0.058"), std::string::npos);
  EXPECT_NE(svg.find("SGLang: 8920"), std::string::npos);
  EXPECT_NE(svg.find("MoE-Infinity: 0.911"), std::string::npos);
  EXPECT_THROW(cap_radar_svg({}), std::invalid_argument);
}

}  // namespace
}  // namespace moecap::host
