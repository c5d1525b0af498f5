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

// {a="x",b="y"} plus an optional extra pair (the histogram's le); "" when there are none.
std::string label_text(const std::vector<std::string>& names, const std::vector<std::string>& values,
                       std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

template <typename Instrument>
void header(std::string& out, const Family<Instrument>& family, std::string_view type) {
  out += "# HELP " + family.name() + " " + escape_help(family.help()) + "\n";
  out += "# TYPE " + family.name() + " " + std::string(type) + "\n";
}

template <typename Instrument>
std::unique_ptr<Family<Instrument>> make_family(std::string name, std::string help, std::vector<std::string> labels,
                                                typename Family<Instrument>::Make make) {
  return std::make_unique<Family<Instrument>>(std::move(name), std::move(help), std::move(labels), std::move(make));
}

}  // namespace

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
        header(out, family, "counter");
        family.each([&](const std::vector<std::string>& values, const Counter& counter) {
          out += family.name() + label_text(family.label_names(), values) + " " + std::to_string(counter.value()) +
                 "\n";
        });
        break;
      }
      case Kind::gauge: {
        const auto& family = *entry.gauge;
        header(out, family, "gauge");
        family.each([&](const std::vector<std::string>& values, const Gauge& gauge) {
          out += family.name() + label_text(family.label_names(), values) + " " + format_value(gauge.value()) + "\n";
        });
        break;
      }
      case Kind::histogram: {
        const auto& family = *entry.histogram;
        header(out, family, "histogram");
        family.each([&](const std::vector<std::string>& values, const Histogram& histogram) {
          // One snapshot per child, so _count always equals the +Inf bucket.
          const auto snapshot = histogram.snapshot();
          uint64_t cumulative = 0;
          for (size_t i = 0; i < snapshot.counts.size(); ++i) {
            cumulative += snapshot.counts[i];
            const std::string le = i < snapshot.bounds.size() ? format_value(snapshot.bounds[i]) : "+Inf";
            out += family.name() + "_bucket" + label_text(family.label_names(), values, "le", le) + " " +
                   std::to_string(cumulative) + "\n";
          }
          const auto labels = label_text(family.label_names(), values);
          out += family.name() + "_sum" + labels + " " + format_value(snapshot.sum) + "\n";
          out += family.name() + "_count" + labels + " " + std::to_string(cumulative) + "\n";
        });
        break;
      }
    }
  }
  return out;
}

}  // namespace nf::metrics
