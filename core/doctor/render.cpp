#include "core/doctor/render.hpp"

#include <algorithm>
#include <cctype>

namespace nf::doctor {
namespace {

std::string label(Status status) {
  std::string text(status_name(status));
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

std::string pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

std::string render_text(const Report& report) {
  size_t label_width = 0, name_width = 0;
  for (const auto& check : report.checks) {
    label_width = std::max(label_width, label(check.status).size());
    name_width = std::max(name_width, check.name.size());
  }
  std::string out;
  for (const auto& check : report.checks) {
    out += pad(label(check.status), label_width + 2) + pad(check.name, name_width + 2) + check.detail;
    if (!check.hint.empty()) out += " → " + check.hint;
    out += "\n";
  }
  return out + summary(report) + "\n";
}

std::string render_json(const Report& report) {
  // Ordered, so each object reads name, status, detail, hint, figures.
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const auto& check : report.checks) {
    nlohmann::ordered_json entry;
    entry["name"] = check.name;
    entry["status"] = status_name(check.status);
    entry["detail"] = check.detail;
    entry["hint"] = check.hint.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(check.hint);
    entry["figures"] = nlohmann::ordered_json::parse(check.figures.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    checks.push_back(std::move(entry));
  }
  // Library and server texts are not always valid UTF-8; replace rather than fail.
  return checks.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace nf::doctor
