#include "core/json/fields.hpp"

#include "core/error/error.hpp"

namespace nf::json {

namespace {

[[noreturn]] void fail_field(std::string_view what, std::string_view name, std::string_view expected) {
  fail_check(std::string(what) + ": field '" + std::string(name) + "' is missing or not " + std::string(expected));
}

}  // namespace

const nlohmann::json& field(const nlohmann::json& object, std::string_view name, std::string_view what) {
  if (!object.is_object())
    fail_check(std::string(what) + ": expected a JSON object holding '" + std::string(name) + "', got " + object.dump());
  auto found = object.find(name);
  if (found == object.end()) fail_field(what, name, "present");
  return *found;
}

uint64_t u64_field(const nlohmann::json& object, std::string_view name, std::string_view what) {
  const auto& value = field(object, name, what);
  if (!value.is_number_unsigned()) fail_field(what, name, "a non-negative integer");
  return value.get<uint64_t>();
}

int64_t i64_field(const nlohmann::json& object, std::string_view name, std::string_view what) {
  const auto& value = field(object, name, what);
  if (!value.is_number_integer()) fail_field(what, name, "an integer");
  return value.get<int64_t>();
}

double number_field(const nlohmann::json& object, std::string_view name, std::string_view what) {
  const auto& value = field(object, name, what);
  if (!value.is_number()) fail_field(what, name, "a number");
  return value.get<double>();
}

std::string string_field(const nlohmann::json& object, std::string_view name, std::string_view what) {
  const auto& value = field(object, name, what);
  if (!value.is_string()) fail_field(what, name, "a string");
  return value.get<std::string>();
}

const nlohmann::json& array_field(const nlohmann::json& object, std::string_view name, std::string_view what) {
  const auto& value = field(object, name, what);
  if (!value.is_array()) fail_field(what, name, "an array");
  return value;
}

}  // namespace nf::json
