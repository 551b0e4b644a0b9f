// The CAP radar as SVG (see radar_svg.hpp).
#include "moecap/host/radar_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace moecap::host {
namespace {

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double value, int decimals = 1) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

/// Up to 4 significant digits, for the raw values next to the vertices.
std::string raw(double value) {
  if (std::isnan(value)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

// Colour-blind-safe (Okabe–Ito), repeated beyond eight systems.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#F0E442", "#000000"};

}  // namespace

std::vector<double> normalise_axis(const std::vector<double>& values, const RadarAxis& axis, double baseline) {
  if (!(baseline >= 0 && baseline < 100)) throw std::invalid_argument("radar: baseline must be in [0, 100)");
  std::vector<double> measured;
  for (double v : values) {
    if (std::isinf(v)) throw std::invalid_argument("radar: axis '" + axis.name + "' has an infinite value");
    if (!std::isnan(v)) measured.push_back(v);
  }
  std::vector<double> scores;
  if (values.empty()) return scores;
  const auto [min_it, max_it] = std::minmax_element(measured.begin(), measured.end());
  const double lo = axis.lo.value_or(measured.empty() ? 0 : *min_it);
  const double hi = axis.hi.value_or(measured.empty() ? 0 : *max_it);
  if (lo > hi) throw std::invalid_argument("radar: axis '" + axis.name + "' has lo > hi");
  for (double v : values) {
    if (std::isnan(v)) {  // not measured (a run without an accuracy task): the centre, never a made-up score
      scores.push_back(0);
      continue;
    }
    double fraction = 1;
    if (hi > lo) {
      const double clamped = std::clamp(v, lo, hi);
      fraction = axis.higher_is_better ? (clamped - lo) / (hi - lo) : (hi - clamped) / (hi - lo);
    }
    scores.push_back(baseline + fraction * (100 - baseline));
  }
  return scores;
}

std::vector<RadarScores> normalise_cap(const std::vector<CapPoint>& points, const RadarOptions& options) {
  std::vector<double> accuracy, performance, cost;
  for (const CapPoint& p : points) {
    accuracy.push_back(p.accuracy);
    performance.push_back(p.performance);
    cost.push_back(p.cost);
  }
  const auto a = normalise_axis(accuracy, options.accuracy, options.baseline);
  const auto p = normalise_axis(performance, options.performance, options.baseline);
  const auto c = normalise_axis(cost, options.cost, options.baseline);
  std::vector<RadarScores> scores(points.size());
  for (size_t i = 0; i < points.size(); ++i) scores[i] = {a[i], p[i], c[i]};
  return scores;
}

std::string cap_radar_svg(const std::vector<CapPoint>& points, const RadarOptions& options) {
  if (points.empty()) throw std::invalid_argument("radar: no systems to plot");
  const std::vector<RadarScores> scores = normalise_cap(points, options);
  const double size = options.size_px;
  const double legend_h = 22.0 * static_cast<double>(points.size()) + 16;
  const double cx = size / 2, cy = size / 2 + 20, radius = size * 0.32;
  // Axes: accuracy up, performance lower right, cost lower left (120° apart).
  const double angles[3] = {-std::numbers::pi / 2, std::numbers::pi / 6, 5 * std::numbers::pi / 6};
  const RadarAxis* axes[3] = {&options.accuracy, &options.performance, &options.cost};
  const auto at = [&](int axis, double score) {
    const double r = radius * score / 100;
    return std::make_pair(cx + r * std::cos(angles[axis]), cy + r * std::sin(angles[axis]));
  };

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(size, 0) << "\" height=\""
      << num(size + legend_h, 0) << "\" viewBox=\"0 0 " << num(size, 0) << " " << num(size + legend_h, 0)
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<title>" << escape_xml(options.title) << "</title>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << num(cx) << "\" y=\"22\" text-anchor=\"middle\" font-size=\"16\">" << escape_xml(options.title)
      << "</text>\n";
  // Rings every 20 and the axes; the outer ring is 100 (best), the centre 0.
  for (int ring = 20; ring <= 100; ring += 20) {
    svg << "<polygon fill=\"none\" stroke=\"#ccc\" points=\"";
    for (int axis = 0; axis < 3; ++axis) {
      const auto [x, y] = at(axis, ring);
      svg << num(x) << "," << num(y) << (axis < 2 ? " " : "");
    }
    svg << "\"/>\n";
  }
  for (int axis = 0; axis < 3; ++axis) {
    const auto [x, y] = at(axis, 100);
    const auto [lx, ly] = at(axis, 118);
    svg << "<line x1=\"" << num(cx) << "\" y1=\"" << num(cy) << "\" x2=\"" << num(x) << "\" y2=\"" << num(y)
        << "\" stroke=\"#888\"/>\n"
        << "<text x=\"" << num(lx) << "\" y=\"" << num(ly) << "\" text-anchor=\"middle\" font-weight=\"bold\">"
        << escape_xml(axes[axis]->name) << " (" << (axes[axis]->higher_is_better ? "higher" : "lower")
        << " is better)</text>\n";
  }
  for (size_t i = 0; i < points.size(); ++i) {
    const CapPoint& p = points[i];
    const char* colour = kColours[i % std::size(kColours)];
    const double s[3] = {scores[i].accuracy, scores[i].performance, scores[i].cost};
    const double v[3] = {p.accuracy, p.performance, p.cost};
    if (!p.link.empty()) svg << "<a href=\"" << escape_xml(p.link) << "\">\n";
    svg << "<g><title>" << escape_xml(p.label) << "</title>\n<polygon fill=\"" << colour
        << "\" fill-opacity=\"0.15\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (int axis = 0; axis < 3; ++axis) {
      const auto [x, y] = at(axis, s[axis]);
      svg << num(x) << "," << num(y) << (axis < 2 ? " " : "");
    }
    svg << "\"/>\n";
    for (int axis = 0; axis < 3; ++axis) {
      const auto [x, y] = at(axis, s[axis]);
      svg << "<circle cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"3.5\" fill=\"" << colour << "\"/>\n"
          << "<text x=\"" << num(x + 6) << "\" y=\"" << num(y - 4 + 12.0 * static_cast<double>(i)) << "\" fill=\""
          << colour << "\">" << escape_xml(p.label) << ": " << raw(v[axis]) << "</text>\n";
    }
    svg << "</g>\n";
    if (!p.link.empty()) svg << "</a>\n";
    const double ly = size + 8 + 22.0 * static_cast<double>(i);
    svg << "<rect x=\"20\" y=\"" << num(ly) << "\" width=\"14\" height=\"14\" fill=\"" << colour << "\"/>\n"
        << "<text x=\"40\" y=\"" << num(ly + 12) << "\">" << escape_xml(p.label) << " (accuracy " << raw(p.accuracy)
        << ", " << escape_xml(options.performance.name) << " " << raw(p.performance) << ", "
        << escape_xml(options.cost.name) << " " << raw(p.cost) << ")</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace moecap::host
