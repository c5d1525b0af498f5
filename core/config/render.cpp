#include "core/config/render.hpp"

#include <sstream>

namespace nf::config {
namespace {

std::string shown_value(std::string_view key, const Value& value) {
  const OptionSpec* spec = find_spec(key);
  if (spec && spec->secret && !value.value.empty()) return "********";
  return value.value;
}

}  // namespace

std::string render_text(const Config& config) {
  std::ostringstream out;
  size_t width = 0;
  for (const auto& spec : option_specs()) width = std::max(width, spec.key.size());
  for (const auto& spec : option_specs()) {
    const Value& value = config.values.at(std::string(spec.key));
    std::string key(spec.key);
    key.resize(width, ' ');
    out << key << "  " << shown_value(spec.key, value) << "  (" << value.origin << ")\n";
  }
  for (const auto& [key, value] : config.kafka_properties)
    out << "kafka.properties." << key << "  " << value.value << "  (" << value.origin << ")\n";
  return out.str();
}

nlohmann::json render_json(const Config& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& spec : option_specs()) {
    const Value& value = config.values.at(std::string(spec.key));
    out[std::string(spec.key)] = {{"value", shown_value(spec.key, value)}, {"origin", value.origin}};
  }
  for (const auto& [key, value] : config.kafka_properties)
    out["kafka.properties." + key] = {{"value", value.value}, {"origin", value.origin}};
  return out;
}

}  // namespace nf::config
