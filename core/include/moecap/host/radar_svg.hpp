// The CAP radar (DESIGN.md §5; moe-cap-method.md §9): each system compared is one triangle on three axes,
// accuracy, performance and cost, each normalised over the systems so that outward is better.
//
// Every axis maps a raw value v into [baseline, 100] (MoE-CAP's plotter uses baseline 20 so that the worst
// system is still visible): clamp v to [lo, hi], take (v − lo)/(hi − lo) when higher is better or
// (hi − v)/(hi − lo) when lower is, and scale. lo and hi default to the min and max over the systems
// (min-max); either can be fixed, which reproduces their plotter: accuracy with hi = 1.0, cost with lo = 0,
// hi = T (a tick, 8,000 in their example).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace moecap::host {

/// One system on the radar.
struct CapPoint {
  std::string label;
  double accuracy = 0;
  double performance = 0;  ///< TPOT (lower better) or throughput (higher better), see RadarAxis
  double cost = 0;         ///< e.g. $ per 1M output tokens
  std::string link;        ///< the run it came from (a results file); becomes an <a href>, optional
};

struct RadarAxis {
  std::string name;
  bool higher_is_better = true;
  std::optional<double> lo;  ///< fixed lower bound; default: min over the systems
  std::optional<double> hi;  ///< fixed upper bound; default: max over the systems
};

struct RadarOptions {
  RadarAxis accuracy{"accuracy", true, std::nullopt, std::nullopt};
  RadarAxis performance{"TPOT (s)", false, std::nullopt, std::nullopt};
  RadarAxis cost{"$ / 1M output tokens", false, std::nullopt, std::nullopt};
  double baseline = 20;  ///< score of the worst value; the best scores 100
  int size_px = 520;
  std::string title = "CAP radar";
};

struct RadarScores {
  double accuracy = 0;
  double performance = 0;
  double cost = 0;
};

/// One axis: scores in [baseline, 100]. Equal values (hi == lo) all score 100. NaN means "not measured" (a
/// run without an accuracy task): it scores 0, the centre, is labelled "n/a" and takes no part in min-max.
/// Throws std::invalid_argument for an infinite value, baseline outside [0, 100) or lo > hi.
std::vector<double> normalise_axis(const std::vector<double>& values, const RadarAxis& axis, double baseline);

/// All three axes, one RadarScores per point, in order.
std::vector<RadarScores> normalise_cap(const std::vector<CapPoint>& points, const RadarOptions& options);

/// A standalone SVG document: axes with their names, a ring at every 20, each system as a closed polygon
/// with its vertices labelled by the raw values, and a legend. Throws std::invalid_argument without points.
std::string cap_radar_svg(const std::vector<CapPoint>& points, const RadarOptions& options = {});

}  // namespace moecap::host
