#pragma once
// The reports of `dlq list`, `dlq show` and `dlq replay` as text (people) and JSON
// (scripts: the same facts). Keys and values are bytes: the JSON shows invalid UTF-8 as
// U+FFFD, the text escapes control characters so one message stays on its lines.

#include <string>

#include "core/dlq/report.hpp"

namespace nf::dlq {

std::string render_list_text(const ListReport& report);
std::string render_list_json(const ListReport& report);

std::string render_show_text(const ShowReport& report);
std::string render_show_json(const ShowReport& report);

std::string render_replay_text(const ReplayReport& report);
std::string render_replay_json(const ReplayReport& report);

}  // namespace nf::dlq
