#include "core/metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace nf::metrics {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip text; plain decimals ("0.0005", not "5e-04") in the usual range,
  // as Prometheus's own clients write bucket bounds.
  const double magnitude = std::fabs(value);
  const auto format = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15) ? std::chars_format::fixed
                                                                                  : std::chars_format::general;
  char buffer[400];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, format);
  return std::string(buffer, error == std::errc() ? end : buffer);
}

namespace {

// {a="x",b="y"}; "" when there are none.
std::string label_text(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    out += out.empty() ? "{" : ",";
    out += name + "=\"" + escape_label_value(value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

Labels labels_of(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  Labels labels;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) labels.emplace_back(names[i], values[i]);
  return labels;
}

template <typename Instrument>
std::unique_ptr<Family<Instrument>> make_family(std::string name, std::string help, std::vector<std::string> labels,
                                                typename Family<Instrument>::Make make) {
  return std::make_unique<Family<Instrument>>(std::move(name), std::move(help), std::move(labels), std::move(make));
}

}  // namespace

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP " + std::string(name) + " " + escape_help(help) + "\n";
  out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
}

void append_sample(std::string& out, std::string_view name, const Labels& labels, double value) {
  out += std::string(name) + label_text(labels) + " " + format_value(value) + "\n";
}

void append_histogram(std::string& out, std::string_view name, const Labels& labels, const HistogramSnapshot& snapshot) {
  uint64_t cumulative = 0;
  Labels with_le = labels;
  with_le.emplace_back("le", "");
  for (size_t i = 0; i < snapshot.counts.size(); ++i) {
    cumulative += snapshot.counts[i];
    with_le.back().second = i < snapshot.bounds.size() ? format_value(snapshot.bounds[i]) : "+Inf";
    out += std::string(name) + "_bucket" + label_text(with_le) + " " + std::to_string(cumulative) + "\n";
  }
  const auto text = label_text(labels);
  out += std::string(name) + "_sum" + text + " " + format_value(snapshot.sum) + "\n";
  out += std::string(name) + "_count" + text + " " + std::to_string(cumulative) + "\n";
}

void Registry::check_new_name(const std::string& name) const {
  for (const auto& entry : entries_) {
    const std::string& existing = entry.counter     ? entry.counter->name()
                                  : entry.gauge     ? entry.gauge->name()
                                                    : entry.histogram->name();
    if (existing == name) throw std::logic_error("metric " + name + " declared twice");
  }
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  check_new_name(name);
  auto family = make_family<Counter>(std::move(name), std::move(help), std::move(label_names),
                                     [] { return std::make_unique<Counter>(); });
  auto& ref = *family;
  entries_.push_back(Entry{Kind::counter, std::move(family), nullptr, nullptr});
  return ref;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  check_new_name(name);
  auto family = make_family<Gauge>(std::move(name), std::move(help), std::move(label_names),
                                   [] { return std::make_unique<Gauge>(); });
  auto& ref = *family;
  entries_.push_back(Entry{Kind::gauge, nullptr, std::move(family), nullptr});
  return ref;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                       std::vector<std::string> label_names) {
  check_new_name(name);
  const Histogram check(bounds);  // throws for bad bounds now, not at the first observation
  auto family = make_family<Histogram>(std::move(name), std::move(help), std::move(label_names),
                                       [bounds] { return std::make_unique<Histogram>(bounds); });
  auto& ref = *family;
  entries_.push_back(Entry{Kind::histogram, nullptr, nullptr, std::move(family)});
  return ref;
}

std::string Registry::render_prometheus() const {
  std::string out;
  for (const auto& entry : entries_) {
    switch (entry.kind) {
      case Kind::counter: {
        const auto& family = *entry.counter;
        append_header(out, family.name(), family.help(), "counter");
        family.each([&](const std::vector<std::string>& values, const Counter& counter) {
          // Integer text, exact beyond 2^53.
          out += family.name() + label_text(labels_of(family.label_names(), values)) + " " +
                 std::to_string(counter.value()) + "\n";
        });
        break;
      }
      case Kind::gauge: {
        const auto& family = *entry.gauge;
        append_header(out, family.name(), family.help(), "gauge");
        family.each([&](const std::vector<std::string>& values, const Gauge& gauge) {
          append_sample(out, family.name(), labels_of(family.label_names(), values), gauge.value());
        });
        break;
      }
      case Kind::histogram: {
        const auto& family = *entry.histogram;
        append_header(out, family.name(), family.help(), "histogram");
        family.each([&](const std::vector<std::string>& values, const Histogram& histogram) {
          // One snapshot per child, so _count always equals the +Inf bucket.
          append_histogram(out, family.name(), labels_of(family.label_names(), values), histogram.snapshot());
        });
        break;
      }
    }
  }
  return out;
}

}  // namespace nf::metrics
