#pragma once
// novafeed's configuration: every option is declared once in option_specs() (key,
// default, help, secret), and the loaders, `novafeed config --print`, the man pages and
// the env-variable names all come from that one table.
//
// Precedence, later wins: built-in default < config file (TOML) < NOVAFEED_* environment
// < command-line flags (--set key=value). Secrets are refused on the command line so they
// never show in `ps`: they come from the file, the environment, or a *_file option.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nf::config {

struct OptionSpec {
  std::string_view key;            // "section.name"
  std::string_view default_value;  // as text; "" means unset
  std::string_view help;
  bool secret = false;
};

// The one declaration of every option, in display order.
const std::vector<OptionSpec>& option_specs();
const OptionSpec* find_spec(std::string_view key);

// "postgres.url" -> "NOVAFEED_POSTGRES_URL".
std::string env_name(std::string_view key);

struct Value {
  std::string value;
  std::string origin;  // "default", "file:PATH", "env:NAME", "flag"
};

struct Config {
  std::map<std::string, Value, std::less<>> values;            // every declared key
  std::map<std::string, Value, std::less<>> kafka_properties;  // librdkafka pass-through

  const std::string& get(std::string_view key) const;
  int64_t get_int(std::string_view key) const;
  // get_int, refusing a negative value the same way (nf::Error(usage) naming key and origin).
  int64_t get_non_negative_int(std::string_view key) const;
  double get_double(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  // A comma-separated value, trimmed, empty items dropped.
  std::vector<std::string> get_list(std::string_view key) const;
  // A secret: the value of `key`, else the trimmed content of the file named by
  // `key_file`; "" when neither is set.
  std::string get_secret(std::string_view key) const;
};

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct Sources {
  std::optional<std::filesystem::path> file;       // --config, else NOVAFEED_CONFIG
  EnvList env;                                     // the process environment (tests pass their own)
  std::vector<std::string> flag_settings;          // --set key=value
  std::vector<std::string> kafka_flag_properties;  // -X key=value
};

// Builds the merged configuration; throws nf::Error(usage) naming the bad key, value and
// where it came from.
Config load(const Sources& sources);

// The process environment as a list (only NOVAFEED_* entries are kept).
EnvList process_environment();

// Parses "key=value"; throws nf::Error(usage) with `what` in the message when malformed.
std::pair<std::string, std::string> split_assignment(std::string_view text, std::string_view what);

}  // namespace nf::config
