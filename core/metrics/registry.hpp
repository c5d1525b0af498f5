#pragma once
// A small metrics registry rendered in the Prometheus text exposition format 0.0.4.
//
// Families are declared once, before the registry is shared between threads; each has a
// fixed list of label names. A family's children (one per set of label values) are made
// on first use under a lock and never removed, so a caller that keeps the returned
// reference updates it without any lock. Callers must bound the label values themselves
// (e.g. route "other" for unknown paths): every distinct value set is kept forever.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics/instruments.hpp"

namespace nf::metrics {

enum class Kind { counter, gauge, histogram };

template <typename Instrument>
class Family {
 public:
  using Make = std::function<std::unique_ptr<Instrument>()>;
  Family(std::string name, std::string help, std::vector<std::string> label_names, Make make)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), make_(std::move(make)) {}

  // The child with these label values (one per label name, in order); made on first use.
  Instrument& with(const std::vector<std::string>& label_values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls visit(label_values, instrument) for every child, ordered by label values.
  template <typename Visit>
  void each(Visit visit) const {
    std::shared_lock lock(mutex_);
    for (const auto& [values, instrument] : children_) visit(values, *instrument);
  }

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  Make make_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Instrument>> children_;
};

class Registry {
 public:
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<double> bounds,
                               std::vector<std::string> label_names = {});

  // Every family in declaration order: # HELP, # TYPE, then its samples.
  std::string render_prometheus() const;

 private:
  struct Entry {
    Kind kind;
    std::unique_ptr<Family<Counter>> counter;
    std::unique_ptr<Family<Gauge>> gauge;
    std::unique_ptr<Family<Histogram>> histogram;
  };
  void check_new_name(const std::string& name) const;
  std::vector<Entry> entries_;
};

// Text-format pieces, exposed for tests and for code that renders its own families
// (e.g. the ingest's figures appended to serve's /metrics).
std::string escape_label_value(std::string_view value);  // \ → \\, " → \", newline → \n
std::string escape_help(std::string_view help);          // \ → \\, newline → \n
std::string format_value(double value);                  // shortest round-trip; +Inf, -Inf, NaN

using Labels = std::vector<std::pair<std::string, std::string>>;  // name, value; in order
// "# HELP name help\n# TYPE name type\n" (type: counter, gauge, histogram).
void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type);
// One sample line: name{labels} value.
void append_sample(std::string& out, std::string_view name, const Labels& labels, double value);
// A histogram's _bucket lines (cumulative, le last), _sum and _count.
void append_histogram(std::string& out, std::string_view name, const Labels& labels, const HistogramSnapshot& snapshot);

template <typename Instrument>
Instrument& Family<Instrument>::with(const std::vector<std::string>& label_values) {
  {
    std::shared_lock lock(mutex_);
    if (auto found = children_.find(label_values); found != children_.end()) return *found->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = children_[label_values];
  if (!slot) slot = make_();
  return *slot;
}

}  // namespace nf::metrics
