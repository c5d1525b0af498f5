#pragma once
// How connector facts read: human text for a terminal at 3 a.m. and the same facts as
// JSON for scripts. Secrets are masked here, never shown.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/connect/apply.hpp"
#include "core/connect/client.hpp"

namespace nf::connect {

// The first `head_lines` lines of a Java stack trace, then every "Caused by:" line after
// them (the root cause is usually the last one), then how many lines were left out.
std::vector<std::string> summarize_trace(const std::string& trace, size_t head_lines = 4);

// "connector NAME: STATE (worker W)" and one line per task; a failed task's trace
// summarized under it.
std::string status_text(const ConnectorStatus& status);
// Everything, full traces included.
nlohmann::json status_json(const ConnectorStatus& status);

// One line per changed key ("  key: before -> after"), secrets masked.
std::string changes_text(const std::vector<ConfigChange>& changes);
nlohmann::json changes_json(const std::vector<ConfigChange>& changes);

// A table of every connector on the worker with its state and tasks; `ours` is marked.
std::string list_text(const std::vector<ConnectorStatus>& statuses, const std::string& ours);

// Field errors as "  field: message" lines.
std::string field_errors_text(const std::vector<FieldError>& errors);
nlohmann::json field_errors_json(const std::vector<FieldError>& errors);

}  // namespace nf::connect
