#pragma once
// Strict field readers for the JSON values novafeed keeps in Redis (cached feeds, hot
// posts, suggestions): a value written by another version or by hand must fail loudly
// (nf::Error check_failed naming the field), never become a list of zeros.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nf::json {

const nlohmann::json& field(const nlohmann::json& object, std::string_view name, std::string_view what);
uint64_t u64_field(const nlohmann::json& object, std::string_view name, std::string_view what);
int64_t i64_field(const nlohmann::json& object, std::string_view name, std::string_view what);
double number_field(const nlohmann::json& object, std::string_view name, std::string_view what);
std::string string_field(const nlohmann::json& object, std::string_view name, std::string_view what);
const nlohmann::json& array_field(const nlohmann::json& object, std::string_view name, std::string_view what);

}  // namespace nf::json
