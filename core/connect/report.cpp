#include "core/connect/report.hpp"

#include <algorithm>
#include <sstream>

#include "core/connect/debezium_config.hpp"

namespace nf::connect {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string trimmed(std::string line) {
  const auto start = line.find_first_not_of(" \t");
  return start == std::string::npos ? "" : line.substr(start);
}

std::string worker_suffix(const std::string& worker_id) {
  return worker_id.empty() ? "" : " (worker " + worker_id + ")";
}

void append_trace(std::ostringstream& out, const std::string& trace, const std::string& indent) {
  for (const auto& line : summarize_trace(trace)) out << indent << line << "\n";
}

std::string shown(const ConfigChange& change, const std::optional<std::string>& value) {
  if (!value) return "(unset)";
  return is_secret_key(change.key) && !value->empty() ? kMaskedSecret : *value;
}

nlohmann::json shown_json(const ConfigChange& change, const std::optional<std::string>& value) {
  if (!value) return nullptr;
  return shown(change, value);
}

}  // namespace

std::vector<std::string> summarize_trace(const std::string& trace, size_t head_lines) {
  const auto lines = split_lines(trace);
  std::vector<std::string> out;
  size_t left_out = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string line = trimmed(lines[i]);
    if (i < head_lines || line.starts_with("Caused by:")) out.push_back(i == 0 ? line : "  " + line);
    else ++left_out;
  }
  if (left_out > 0)
    out.push_back("  ... " + std::to_string(left_out) + " more lines (full trace: novafeed --json connectors status)");
  return out;
}

std::string status_text(const ConnectorStatus& status) {
  std::ostringstream out;
  out << "connector " << status.name << ": " << status.state << worker_suffix(status.worker_id) << "\n";
  if (!status.trace.empty()) append_trace(out, status.trace, "    ");
  if (status.tasks.empty()) out << "  no tasks\n";
  for (const auto& task : status.tasks) {
    out << "  task " << task.id << ": " << task.state << worker_suffix(task.worker_id) << "\n";
    if (!task.trace.empty()) append_trace(out, task.trace, "    ");
  }
  return out.str();
}

nlohmann::json status_json(const ConnectorStatus& status) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& task : status.tasks)
    tasks.push_back({{"id", task.id}, {"state", task.state}, {"worker_id", task.worker_id}, {"trace", task.trace}});
  return {{"name", status.name},     {"state", status.state}, {"worker_id", status.worker_id},
          {"trace", status.trace},   {"tasks", tasks},        {"healthy", status.healthy()}};
}

std::string changes_text(const std::vector<ConfigChange>& changes) {
  std::ostringstream out;
  for (const auto& change : changes)
    out << "  " << change.key << ": " << shown(change, change.before) << " -> " << shown(change, change.after) << "\n";
  return out.str();
}

nlohmann::json changes_json(const std::vector<ConfigChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& change : changes)
    out.push_back({{"key", change.key}, {"before", shown_json(change, change.before)}, {"after", shown_json(change, change.after)}});
  return out;
}

std::string list_text(const std::vector<ConnectorStatus>& statuses, const std::string& ours) {
  size_t width = 4;
  for (const auto& s : statuses) width = std::max(width, s.name.size() + 2);
  std::ostringstream out;
  auto pad = [](std::string text, size_t to) {
    text.resize(std::max(to, text.size()), ' ');
    return text;
  };
  out << pad("NAME", width) << "  " << pad("STATE", 11) << "  TASKS\n";
  for (const auto& s : statuses) {
    const auto running = std::count_if(s.tasks.begin(), s.tasks.end(), [](const auto& t) { return t.state == "RUNNING"; });
    std::string tasks = std::to_string(running) + "/" + std::to_string(s.tasks.size()) + " running";
    for (const auto& t : s.tasks)
      if (t.state != "RUNNING") tasks += ", task " + std::to_string(t.id) + " " + t.state;
    out << pad(s.name + (s.name == ours ? " *" : ""), width) << "  " << pad(s.state, 11) << "  " << tasks << "\n";
  }
  return out.str();
}

std::string field_errors_text(const std::vector<FieldError>& errors) {
  std::ostringstream out;
  for (const auto& error : errors) out << "  " << error.field << ": " << error.message << "\n";
  return out.str();
}

nlohmann::json field_errors_json(const std::vector<FieldError>& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& error : errors) out.push_back({{"field", error.field}, {"message", error.message}});
  return out;
}

}  // namespace nf::connect
