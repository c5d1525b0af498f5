#include "core/schema/render.hpp"

#include <algorithm>

#include "core/error/error.hpp"

namespace nf::schema {

namespace {

int line_of(std::string_view sql, size_t offset) {
  return 1 + static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<long>(offset), '\n'));
}

// Before a placeholder that renders to nothing: drops the blanks at the end of `out` and,
// when only blanks stood between it and the line break before, that line break too.
void drop_blanks_before(std::string& out) {
  size_t end = out.size();
  while (end > 0 && (out[end - 1] == ' ' || out[end - 1] == '\t')) --end;
  if (end > 0 && out[end - 1] == '\n') {
    --end;
    if (end > 0 && out[end - 1] == '\r') --end;
  }
  out.resize(end);
}

tl::expected<std::string, std::string> render_placeholder(std::string_view word, std::string_view argument,
                                                          const RenderOptions& options, EngineUse& use) {
  if (word == "ttl") {
    if (!options.clickhouse) return tl::unexpected(std::string("{{ttl …}} is for ClickHouse files only"));
    if (argument.empty()) return tl::unexpected(std::string("{{ttl}} needs an expression, e.g. {{ttl ts + INTERVAL 30 DAY}}"));
    if (!ch::features_of(*options.clickhouse).ttl) {
      use.went_without.insert("ttl");
      return std::string();
    }
    use.relied_on.insert("ttl");
    return "TTL " + std::string(argument);
  }
  const auto found = options.variables.find(word);
  if (found == options.variables.end()) {
    std::string known = "ttl";
    for (const auto& [name, value] : options.variables) known += ", " + name;
    return tl::unexpected("unknown placeholder {{" + std::string(word) + "}} (known here: " + known + ")");
  }
  if (!argument.empty()) return tl::unexpected("{{" + std::string(word) + "}} takes no argument");
  return found->second;
}

}  // namespace

std::string EngineUse::recorded() const {
  std::string out;
  for (const auto& name : relied_on) out += (out.empty() ? "" : ",") + name;
  for (const auto& name : went_without) out += (out.empty() ? "-" : ",-") + name;
  return out;
}

tl::expected<std::string, std::string> render_sql(std::string_view sql, const RenderOptions& options,
                                                  EngineUse* use) {
  EngineUse ignored;
  EngineUse& used = use ? *use : ignored;
  std::string out;
  out.reserve(sql.size());
  size_t pos = 0;
  for (;;) {
    const auto open = sql.find("{{", pos);
    if (open == std::string_view::npos) break;
    const auto close = sql.find("}}", open + 2);
    if (close == std::string_view::npos)
      return tl::unexpected("line " + std::to_string(line_of(sql, open)) + ": '{{' without a closing '}}'");
    const std::string_view inner = sql.substr(open + 2, close - open - 2);
    const auto space = inner.find(' ');
    const std::string_view word = inner.substr(0, space);
    const std::string_view argument = space == std::string_view::npos ? std::string_view() : inner.substr(space + 1);
    auto rendered = render_placeholder(word, argument, options, used);
    if (!rendered) return tl::unexpected("line " + std::to_string(line_of(sql, open)) + ": " + rendered.error());
    out.append(sql.substr(pos, open - pos));
    if (rendered->empty()) drop_blanks_before(out);
    out += *rendered;
    pos = close + 2;
  }
  out.append(sql.substr(pos));
  return out;
}

bool is_plain_identifier(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  return letter(text.front()) &&
         std::all_of(text.begin(), text.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

namespace {

std::string identifier_from(const config::Config& config, std::string_view key) {
  const std::string& value = config.get(key);
  if (!is_plain_identifier(value))
    fail_usage(std::string(key) + " = '" + value + "' (" + config.values.at(std::string(key)).origin +
               ") is not a plain SQL identifier (letters, digits and '_', not starting with a digit)");
  return value;
}

}  // namespace

RenderOptions postgres_render_options(const config::Config& config) {
  RenderOptions options;
  options.variables["publication"] = identifier_from(config, "cdc.publication");
  options.variables["heartbeat_table"] = identifier_from(config, "cdc.heartbeat_table");
  return options;
}

RenderOptions clickhouse_render_options(const config::Config& config, const ch::ServerVersion& server) {
  RenderOptions options;
  options.variables["database"] = identifier_from(config, "clickhouse.database");
  if (!config.get("clickhouse.cluster").empty()) options.cluster = identifier_from(config, "clickhouse.cluster");
  options.clickhouse = server;
  return options;
}

}  // namespace nf::schema
