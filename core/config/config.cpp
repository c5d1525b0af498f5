#include "core/config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error/error.hpp"

extern char** environ;

namespace nf::config {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string known_keys_hint() {
  std::string keys;
  for (const auto& spec : option_specs()) {
    if (!keys.empty()) keys += ", ";
    keys += spec.key;
  }
  return "known keys: " + keys;
}

const OptionSpec& require_spec(std::string_view key, std::string_view where) {
  const OptionSpec* spec = find_spec(key);
  if (!spec)
    fail_usage("unknown configuration key '" + std::string(key) + "' in " + std::string(where) +
               "; " + known_keys_hint());
  return *spec;
}

// TOML scalars become text; the typed getters check them on use.
std::string toml_scalar_text(const toml::node& node, std::string_view key, const std::string& where) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) {
    std::ostringstream out;
    out << f->get();
    return out.str();
  }
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  if (auto a = node.as_array()) {
    std::string joined;
    for (const auto& item : *a) {
      if (!joined.empty()) joined += ",";
      joined += toml_scalar_text(item, key, where);
    }
    return joined;
  }
  fail_usage("configuration key '" + std::string(key) + "' in " + where +
             " must be a string, number, boolean or array");
}

void load_file(Config& config, const std::filesystem::path& path) {
  const std::string where = "file:" + path.string();
  std::ifstream probe(path);
  if (!probe) fail_usage("cannot read config file " + path.string() + ": " + std::strerror(errno));
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    fail_usage("config file " + path.string() + ":" + std::to_string(at.line) + ":" +
               std::to_string(at.column) + ": " + std::string(e.description()));
  }
  for (const auto& [section, node] : root) {
    const auto* table = node.as_table();
    if (!table)
      fail_usage("config file " + path.string() + ": top-level key '" + std::string(section.str()) +
                 "' must be a [section]");
    for (const auto& [name, value] : *table) {
      if (section.str() == "kafka" && name.str() == "properties") {
        const auto* props = value.as_table();
        if (!props) fail_usage("config file " + path.string() + ": [kafka.properties] must be a table");
        for (const auto& [prop, prop_value] : *props)
          config.kafka_properties[std::string(prop.str())] = {
              toml_scalar_text(prop_value, prop.str(), where), where};
        continue;
      }
      const std::string key = std::string(section.str()) + "." + std::string(name.str());
      require_spec(key, where);
      config.values[key] = {toml_scalar_text(value, key, where), where};
    }
  }
}

}  // namespace

std::string env_name(std::string_view key) {
  std::string name = "NOVAFEED_";
  for (char c : key) name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::pair<std::string, std::string> split_assignment(std::string_view text, std::string_view what) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    fail_usage(std::string(what) + " expects key=value, got '" + std::string(text) + "'");
  return {trim(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Config load(const Sources& sources) {
  Config config;
  for (const auto& spec : option_specs())
    config.values[std::string(spec.key)] = {std::string(spec.default_value), "default"};

  std::optional<std::filesystem::path> file = sources.file;
  if (!file) {
    for (const auto& [name, value] : sources.env)
      if (name == "NOVAFEED_CONFIG" && !value.empty()) file = value;
  }
  if (file) load_file(config, *file);

  for (const auto& spec : option_specs()) {
    const std::string name = env_name(spec.key);
    for (const auto& [env_key, env_value] : sources.env)
      if (env_key == name) config.values[std::string(spec.key)] = {env_value, "env:" + name};
  }

  for (const auto& setting : sources.flag_settings) {
    auto [key, value] = split_assignment(setting, "--set");
    const OptionSpec& spec = require_spec(key, "--set");
    if (spec.secret)
      fail_usage("'" + key + "' is a secret and is refused on the command line (it would show in ps); set " +
                 env_name(key) + ", " + key + "_file, or put it in the config file");
    config.values[key] = {value, "flag"};
  }
  for (const auto& property : sources.kafka_flag_properties) {
    auto [key, value] = split_assignment(property, "-X");
    config.kafka_properties[key] = {value, "flag"};
  }
  return config;
}

EnvList process_environment() {
  EnvList env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    if (!text.starts_with("NOVAFEED_")) continue;
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace_back(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

const std::string& Config::get(std::string_view key) const {
  auto it = values.find(key);
  if (it == values.end()) throw std::logic_error("undeclared configuration key " + std::string(key));
  return it->second.value;
}

int64_t Config::get_int(std::string_view key) const {
  const auto& entry = values.find(key);
  if (entry == values.end()) throw std::logic_error("undeclared configuration key " + std::string(key));
  const std::string& text = entry->second.value;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    fail_usage("configuration key '" + std::string(key) + "' (from " + entry->second.origin +
               ") must be an integer, got '" + text + "'");
  return value;
}

int64_t Config::get_non_negative_int(std::string_view key) const {
  const int64_t value = get_int(key);
  if (value < 0)
    fail_usage("configuration key '" + std::string(key) + "' (from " + values.find(key)->second.origin +
               ") must be zero or more, got '" + get(key) + "'");
  return value;
}

double Config::get_double(std::string_view key) const {
  const auto& entry = values.find(key);
  if (entry == values.end()) throw std::logic_error("undeclared configuration key " + std::string(key));
  const std::string& text = entry->second.value;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    fail_usage("configuration key '" + std::string(key) + "' (from " + entry->second.origin +
               ") must be a number, got '" + text + "'");
  return value;
}

bool Config::get_bool(std::string_view key) const {
  const auto& entry = values.find(key);
  if (entry == values.end()) throw std::logic_error("undeclared configuration key " + std::string(key));
  const std::string& text = entry->second.value;
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off" || text.empty()) return false;
  fail_usage("configuration key '" + std::string(key) + "' (from " + entry->second.origin +
             ") must be true or false, got '" + text + "'");
}

std::vector<std::string> Config::get_list(std::string_view key) const {
  std::vector<std::string> items;
  std::stringstream stream(get(key));
  std::string item;
  while (std::getline(stream, item, ',')) {
    item = trim(item);
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string Config::get_secret(std::string_view key) const {
  const std::string& direct = get(key);
  if (!direct.empty()) return direct;
  const std::string file_key = std::string(key) + "_file";
  if (!find_spec(file_key)) return "";
  const std::string& path = get(file_key);
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) fail_usage("cannot read " + file_key + " " + path + ": " + std::strerror(errno));
  std::stringstream content;
  content << in.rdbuf();
  return trim(content.str());
}

}  // namespace nf::config
