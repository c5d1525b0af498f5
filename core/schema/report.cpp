#include "core/schema/report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace nf::schema {

namespace {

std::string plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string padded(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  return buffer;
}

std::string header(const std::string& target, const std::string& server, const std::string& location) {
  return padded(target, 11) + server + " at " + location;
}

std::string state_summary(const TargetStatus& t) {
  if (t.up_to_date()) return "up to date";
  std::string out;
  if (const size_t n = t.count(MigrationState::pending)) out = std::to_string(n) + " pending";
  if (const size_t n = t.count(MigrationState::changed)) out += (out.empty() ? "" : ", ") + std::to_string(n) + " changed";
  return out;
}

// "ttl,-x" → "with ttl, without x"
std::string engine_features_text(const std::string& recorded) {
  std::string with, without, item;
  std::istringstream items(recorded);
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    if (item.front() == '-') without += (without.empty() ? "" : ", ") + item.substr(1);
    else with += (with.empty() ? "" : ", ") + item;
  }
  if (with.empty() && without.empty()) return "";
  return with.empty() ? "without " + without : without.empty() ? "with " + with : "with " + with + ", without " + without;
}

std::string migration_line(const MigrationStatus& m, size_t width) {
  const std::string file = m.file.empty() ? "(version " + std::to_string(m.version) + " " + m.name + ")" : "schema/" + m.file;
  const std::string state(state_name(m.state));
  std::string detail;
  switch (m.state) {
    case MigrationState::applied:
      detail = m.applied_at + " UTC";
      if (m.engine_features && !engine_features_text(*m.engine_features).empty())
        detail += "  (" + engine_features_text(*m.engine_features) + ")";
      break;
    case MigrationState::pending: break;
    case MigrationState::changed:
      detail = "recorded checksum " + m.applied_checksum + ", file checksum " + m.checksum +
               ": the file was edited after it was applied; restore it and write a new migration";
      break;
    case MigrationState::unknown:
      detail = m.applied_at + " UTC, but this novafeed has no such file (applied by a newer version?)";
      break;
  }
  return "  " + padded(file, width) + "  " + (detail.empty() ? state : padded(state, 8) + "  " + detail) + "\n";
}

std::string statement_text(std::string statement) {
  while (!statement.empty() && (statement.back() == '\n' || statement.back() == ' ')) statement.pop_back();
  if (statement.empty() || statement.back() != ';') statement += ';';
  return statement + "\n";
}

}  // namespace

std::string status_text(const StatusReport& report) {
  std::string out;
  for (const auto& t : report.targets) {
    if (!out.empty()) out += "\n";
    out += header(std::string(target_name(t.target)), t.server, t.location) + ": " + state_summary(t) + "\n";
    size_t width = 0;
    for (const auto& m : t.migrations) width = std::max(width, m.file.size() + 7);
    for (const auto& m : t.migrations) out += migration_line(m, width);
    if (t.migrations.empty()) out += "  (no migrations)\n";
    if (t.publication) {
      const auto& p = *t.publication;
      out += "  publication " + p.name + ": ";
      if (!p.exists) {
        out += "missing (`schema apply` creates it)\n";
      } else {
        std::string tables;
        for (const auto& table : p.tables) tables += (tables.empty() ? "" : ", ") + table;
        out += (tables.empty() ? "no tables" : tables) + "\n";
      }
    }
    for (const auto& note : t.notes) out += "  note: " + note + "\n";
  }
  return out;
}

nlohmann::json status_json(const StatusReport& report) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : report.targets) {
    nlohmann::json migrations = nlohmann::json::array();
    for (const auto& m : t.migrations)
      migrations.push_back({{"version", m.version},
                            {"name", m.name},
                            {"file", m.file.empty() ? nlohmann::json(nullptr) : nlohmann::json("schema/" + m.file)},
                            {"state", state_name(m.state)},
                            {"checksum", m.checksum},
                            {"applied_checksum", m.applied_checksum},
                            {"applied_at", m.applied_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.applied_at)},
                            {"engine_features",
                             m.engine_features ? nlohmann::json(*m.engine_features) : nlohmann::json(nullptr)}});
    nlohmann::json target = {{"target", target_name(t.target)},
                             {"server", t.server},
                             {"location", t.location},
                             {"up_to_date", t.up_to_date()},
                             {"pending", t.count(MigrationState::pending)},
                             {"changed", t.count(MigrationState::changed)},
                             {"migrations", migrations},
                             {"notes", t.notes}};
    if (t.target == Target::clickhouse) target["engine_features"] = t.engine_features;
    if (t.publication)
      target["publication"] = {
          {"name", t.publication->name}, {"exists", t.publication->exists}, {"tables", t.publication->tables}};
    targets.push_back(std::move(target));
  }
  return {{"up_to_date", report.up_to_date()}, {"targets", targets}};
}

std::string apply_text(const ApplyReport& report) {
  std::string out;
  for (const auto& t : report.targets) {
    const std::string head = header(std::string(target_name(t.target)), t.server, t.location);
    const std::string earlier =
        t.already_applied == 0 ? "" : " (" + plural(t.already_applied, "migration") + " applied earlier)";
    if (report.dry_run) {
      if (!out.empty()) out += "\n";
      if (t.migrations.empty() && t.setup_statements.empty()) {
        out += "-- " + head + ": up to date, nothing would run" + earlier + "\n";
        continue;
      }
      out += "-- " + head + ": dry run, " + plural(t.migrations.size(), "pending migration") +
             "; nothing was changed\n";
      for (const auto& s : t.setup_statements) out += "\n-- setup\n" + statement_text(s);
      for (const auto& m : t.migrations) {
        out += "\n-- schema/" + m.file + " (sha256 " + m.checksum + ")\n";
        for (size_t i = 0; i < m.statements.size(); ++i) out += (i ? "\n" : "") + statement_text(m.statements[i]);
        out += "-- then recorded as version " + std::to_string(m.version) + " in novafeed_schema_migrations\n";
      }
      continue;
    }
    if (t.migrations.empty()) {
      out += head + ": up to date, nothing to apply" + earlier + "\n";
      continue;
    }
    out += head + ": applied " + plural(t.migrations.size(), "migration") + earlier + "\n";
    size_t width = 0;
    for (const auto& m : t.migrations) width = std::max(width, m.file.size() + 7);
    for (const auto& m : t.migrations) out += "  " + padded("schema/" + m.file, width) + "  " + seconds_text(m.seconds) + "\n";
  }
  return out;
}

nlohmann::json apply_json(const ApplyReport& report) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : report.targets) {
    nlohmann::json migrations = nlohmann::json::array();
    for (const auto& m : t.migrations)
      migrations.push_back({{"version", m.version},
                            {"name", m.name},
                            {"file", "schema/" + m.file},
                            {"checksum", m.checksum},
                            {"seconds", m.seconds},
                            {"statements", m.statements},
                            {"engine_features", m.engine_features}});
    targets.push_back({{"target", target_name(t.target)},
                       {"server", t.server},
                       {"location", t.location},
                       {"already_applied", t.already_applied},
                       {"setup_statements", t.setup_statements},
                       {"migrations", migrations}});
  }
  return {{"dry_run", report.dry_run}, {"applied", report.dry_run ? 0 : report.applied_count()}, {"targets", targets}};
}

std::string not_up_to_date_summary(const StatusReport& report) {
  std::string out;
  for (const auto& t : report.targets) {
    if (t.up_to_date()) continue;
    std::string files;
    for (const auto& m : t.migrations)
      if (m.state == MigrationState::changed || m.state == MigrationState::pending)
        files += (files.empty() ? "" : ", ") + ("schema/" + m.file);
    out += (out.empty() ? "" : "; ") + std::string(target_name(t.target)) + " " + state_summary(t) + " (" + files + ")";
  }
  return "schema not up to date: " + out + (out.find("changed") != std::string::npos
                                               ? "; a changed migration must be restored and its change written as a new migration"
                                               : "; run `novafeed schema apply`");
}

}  // namespace nf::schema
