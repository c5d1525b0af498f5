#pragma once
// The doctor report as text for a human (one line per check, then a summary line) and as
// JSON for scripts (an array of {name, status, detail, hint, figures}).

#include <string>

#include "core/doctor/report.hpp"

namespace nf::doctor {

// "FAIL  connector   novafeed-postgres task 0 FAILED: ... → novafeed connectors restart",
// columns aligned, ending with the summary() line.
std::string render_text(const Report& report);

// One JSON document: [{"name", "status", "detail", "hint" (null when none), "figures"}].
std::string render_json(const Report& report);

}  // namespace nf::doctor
