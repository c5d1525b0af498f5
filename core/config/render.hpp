#pragma once
// `novafeed config --print`: the merged configuration with each value's origin; secrets
// are masked.

#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace nf::config {

std::string render_text(const Config& config);
nlohmann::json render_json(const Config& config);

}  // namespace nf::config
