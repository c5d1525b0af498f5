#include "core/schema/cluster.hpp"

#include <array>
#include <regex>
#include <utility>

namespace nf::schema {

namespace {

// The sharding of docs/cluster.md: a row goes to the shard of its key, so every version
// of a row (ReplacingMergeTree, FINAL) and every count of a post lands on one shard.
// Everything fed from events is on the shard of the event's post.
constexpr std::array<std::pair<std::string_view, std::string_view>, 15> kShardKeys{{
    {"users", "id"},
    {"posts", "id"},
    {"comments", "id"},
    {"follows", "follower_id"},
    {"likes", "post_id"},
    {"events", "post_id"},
    {"post_metrics_1h", "post_id"},
    {"post_metrics_1d", "post_id"},
    {"post_counts", "post_id"},
    {"event_keys", "post_id"},
    {"user_seen", "post_id"},
    {"posts_by_author", "id"},
    // written by views on every shard: a user's rows are spread, reads sum them
    {"user_author_90d", ""},
    {"user_author_counts", ""},
    {"event_keys_in", ""},
}};

constexpr std::array<std::string_view, 4> kEverywhere{
    {"novafeed_schema_migrations", "ingest_offsets", "backfill_checkpoints", "cdc_truncates"}};

const std::regex& create_table() {
  static const std::regex re(R"((CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+)(\w+))", std::regex::icase);
  return re;
}
const std::regex& create_view() {
  static const std::regex re(R"((CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+)(\w+))", std::regex::icase);
  return re;
}
const std::regex& create_database() {
  static const std::regex re(R"((CREATE\s+DATABASE\s+IF\s+NOT\s+EXISTS\s+)(\w+))", std::regex::icase);
  return re;
}
const std::regex& alter_table() {
  static const std::regex re(R"((ALTER\s+TABLE\s+)(\w+))", std::regex::icase);
  return re;
}
// ENGINE = ReplacingMergeTree(_version), ENGINE = AggregatingMergeTree, …
const std::regex& merge_tree_engine() {
  static const std::regex re(R"(ENGINE\s*=\s*(\w*)MergeTree\b(\s*\(([^()]*)\))?)");
  return re;
}

// Strips the comments a statement keeps (so that a word in a comment is not taken for
// SQL), and the lines they leave blank.
std::string without_comments(const std::string& statement) {
  static const std::regex comment("[ \t]*--[^\n]*");
  static const std::regex blank_lines("\n[ \t]*(?=\n)");
  std::string out = std::regex_replace(std::regex_replace(statement, comment, ""), blank_lines, "");
  while (!out.empty() && (out.front() == '\n' || out.front() == ' ')) out.erase(0, 1);
  return out;
}

std::string add_setting(std::string statement, const std::string& setting) {
  static const std::regex settings(R"(\bSETTINGS\b)");
  if (std::regex_search(statement, settings)) return statement + ", " + setting;
  return statement + "\nSETTINGS " + setting;
}

}  // namespace

std::string_view shard_key_of(std::string_view table) {
  for (const auto& [name, key] : kShardKeys)
    if (name == table) return key;
  return "";
}

bool replicated_everywhere(std::string_view table) {
  for (const auto name : kEverywhere)
    if (name == table) return true;
  return false;
}

tl::expected<std::vector<std::string>, std::string> on_cluster(const std::string& statement,
                                                               const ClusterLayout& layout) {
  const std::string sql = without_comments(statement);
  const std::string on = " ON CLUSTER " + layout.cluster;
  std::smatch m;
  if (std::regex_search(sql, m, create_database()) || std::regex_search(sql, m, create_view()) ||
      std::regex_search(sql, m, alter_table())) {
    if (sql.find(" ON CLUSTER ") != std::string::npos) return std::vector<std::string>{sql};
    return std::vector<std::string>{m.prefix().str() + m[1].str() + m[2].str() + on + m.suffix().str()};
  }
  if (!std::regex_search(sql, m, create_table())) {
    // INSERT … SELECT and the like: once, on the server novafeed talks to
    if (std::regex_search(sql, std::regex(R"(^\s*(CREATE|DROP|RENAME|TRUNCATE)\b)", std::regex::icase)))
      return tl::unexpected("cannot run on a cluster: " + sql.substr(0, sql.find('\n')) +
                            " (only CREATE TABLE|MATERIALIZED VIEW|DATABASE IF NOT EXISTS and ALTER TABLE are rewritten)");
    return std::vector<std::string>{sql};
  }
  const std::string table = m[2].str();
  std::string out = m.prefix().str() + m[1].str() + table + on + m.suffix().str();

  std::smatch engine;
  if (!std::regex_search(out, engine, merge_tree_engine()))
    return std::vector<std::string>{out};  // Null, Memory, …: nothing to replicate
  const std::string family = engine[1].str();
  const std::string args = engine[3].str();
  const std::string shard = replicated_everywhere(table) ? "all" : "{" + layout.shard_macro + "}";
  const std::string path = "/clickhouse/tables/" + shard + "/" + layout.database + "/" + table;
  std::string replicated = "ENGINE = Replicated" + family + "MergeTree('" + path + "', '{replica}'" +
                           (args.empty() ? "" : ", " + args) + ")";
  out = engine.prefix().str() + replicated + engine.suffix().str();
  if (family == "Summing") out = add_setting(out, "replicated_deduplication_window = 0");

  std::vector<std::string> statements{out};
  if (!replicated_everywhere(table)) {
    const auto key = shard_key_of(table);
    statements.push_back("CREATE TABLE IF NOT EXISTS " + table + "_all" + on + " AS " + layout.database + "." + table +
                         "\nENGINE = Distributed(" + layout.cluster + ", " + layout.database + ", " + table +
                         (key.empty() ? "" : ", " + std::string(key)) + ")");
  }
  return statements;
}

}  // namespace nf::schema
