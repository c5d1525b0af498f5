#include "core/ingest/cdc_decode.hpp"

#include "core/ingest/timestamps.hpp"

namespace nf::ingest {
namespace {

using Json = nlohmann::json;
using Decoded = tl::expected<Json, std::string>;

std::string type_of(const Json& value) { return value.is_number_integer() ? "integer" : value.type_name(); }

// One column's value from Debezium's JSON to what JSONEachRow takes for its ClickHouse
// type (DateTime as epoch seconds, which 18.16 and current servers both read as UTC).
Decoded decode_value(const CdcColumn& column, const Json& value, const std::string& where) {
  const auto wrong = [&](const std::string& expected) {
    return tl::unexpected(where + ": expected " + expected + ", got " + type_of(value));
  };
  switch (column.type) {
    case ColumnType::uint64:
      if (value.is_number_unsigned()) return value;
      if (value.is_number_integer()) return tl::unexpected(where + ": " + value.dump() + " is negative");
      return wrong("an integer");
    case ColumnType::string:
      if (value.is_string()) return value;
      return wrong("a string");
    case ColumnType::nullable_date_time:
      if (value.is_null()) return Json(nullptr);
      [[fallthrough]];
    case ColumnType::date_time: {
      // timestamptz is an ISO-8601 string; a timestamp without zone is epoch millis
      // (time.precision.mode=connect).
      tl::expected<uint32_t, std::string> seconds = tl::unexpected(std::string());
      if (value.is_string()) seconds = parse_iso8601_seconds(value.get_ref<const std::string&>());
      else if (value.is_number_integer()) seconds = epoch_millis_to_seconds(value.get<int64_t>());
      else return wrong("an ISO-8601 timestamp string");
      if (!seconds) return tl::unexpected(where + ": " + seconds.error());
      return Json(*seconds);
    }
  }
  return wrong("a known type");
}

Json default_value(ColumnType type) {
  switch (type) {
    case ColumnType::uint64: return 0;
    case ColumnType::string: return "";
    case ColumnType::date_time: return 0;
    case ColumnType::nullable_date_time: return nullptr;
  }
  return nullptr;
}

bool is_key(const CdcTable& table, const std::string& name) {
  for (const auto& k : table.key)
    if (k == name) return true;
  return false;
}

// c, u, r: every column from `after`.
tl::expected<Json, std::string> row_from_after(const CdcTable& table, const Json& after) {
  if (!after.is_object()) return tl::unexpected("after: expected an object, got " + type_of(after));
  Json row = Json::object();
  for (const auto& column : table.columns) {
    const auto it = after.find(column.name);
    if (it == after.end()) return tl::unexpected("after." + column.name + " is missing");
    if (it->is_null() && column.type != ColumnType::nullable_date_time)
      return tl::unexpected("after." + column.name + " is null, but the column is NOT NULL");
    auto value = decode_value(column, *it, "after." + column.name);
    if (!value) return tl::unexpected(value.error());
    row[column.name] = std::move(*value);
  }
  return row;
}

// d: the key from `before` (or the message key), the rest from `before` when present.
tl::expected<Json, std::string> row_from_before(const CdcTable& table, const Json& before, std::string_view key) {
  Json key_json;
  if (!key.empty()) key_json = Json::parse(key, nullptr, false);
  Json row = Json::object();
  for (const auto& column : table.columns) {
    const Json* source = nullptr;
    std::string where = "before." + column.name;
    if (before.is_object() && before.contains(column.name) && !before[column.name].is_null())
      source = &before[column.name];
    else if (is_key(table, column.name) && key_json.is_object() && key_json.contains(column.name)) {
      source = &key_json[column.name];
      where = "key." + column.name;
    }
    if (!source) {
      if (is_key(table, column.name))
        return tl::unexpected("delete without key column " + column.name + " (in neither before nor the message key)");
      row[column.name] = default_value(column.type);
      continue;
    }
    auto value = decode_value(column, *source, where);
    if (!value) return tl::unexpected(value.error());
    row[column.name] = std::move(*value);
  }
  return row;
}

}  // namespace

tl::expected<std::optional<CdcChange>, std::string> decode_cdc_message(const CdcTable& table, std::string_view key,
                                                                       std::optional<std::string_view> value) {
  if (!value) return std::optional<CdcChange>();  // tombstone
  const Json envelope = Json::parse(*value, nullptr, false);
  if (envelope.is_discarded()) return tl::unexpected(std::string("value is not JSON"));
  if (!envelope.is_object()) return tl::unexpected("value: expected a JSON object, got " + type_of(envelope));
  // A converter with schemas on wraps the envelope in {"schema":…, "payload":…}.
  const Json& change = envelope.contains("payload") && envelope.contains("schema") ? envelope["payload"] : envelope;
  if (!change.is_object()) return tl::unexpected(std::string("payload: expected a JSON object"));

  const auto op_it = change.find("op");
  if (op_it == change.end() || !op_it->is_string()) return tl::unexpected(std::string("op is missing"));
  const std::string op = op_it->get<std::string>();
  if (op != "c" && op != "u" && op != "d" && op != "r" && op != "t")
    return tl::unexpected("op '" + op + "' is not one of c, u, d, r, t");

  const auto source = change.find("source");
  if (source == change.end() || !source->is_object()) return tl::unexpected(std::string("source is missing"));
  if (const auto t = source->find("table"); t != source->end() && t->is_string() && t->get<std::string>() != table.name)
    return tl::unexpected("source.table is '" + t->get<std::string>() + "', but this topic carries " + table.name);
  const auto lsn = source->find("lsn");
  if (lsn == source->end() || !lsn->is_number_unsigned() || lsn->get<uint64_t>() == 0)
    return tl::unexpected(std::string("source.lsn: expected a positive integer (the change's LSN)"));

  CdcChange out;
  out.op = op[0];
  out.version = lsn->get<uint64_t>();
  if (const auto ts = source->find("ts_ms"); ts != source->end() && ts->is_number_integer())
    out.source_ts_ms = ts->get<int64_t>();
  if (out.op == 't') {  // no before/after: the whole table, up to this LSN
    out.deleted = true;
    out.row = Json{{"_version", out.version}, {"_deleted", 1}};
    return std::optional<CdcChange>(std::move(out));
  }
  static const Json null_json;
  const auto field = [&](const char* name) -> const Json& {
    const auto it = change.find(name);
    return it == change.end() ? null_json : *it;
  };
  auto row = out.op == 'd' ? row_from_before(table, field("before"), key) : row_from_after(table, field("after"));
  if (!row) return tl::unexpected(row.error());
  out.row = std::move(*row);
  out.deleted = out.op == 'd' || (!table.soft_delete_column.empty() && !out.row[table.soft_delete_column].is_null());
  out.row["_version"] = out.version;
  out.row["_deleted"] = out.deleted ? 1 : 0;
  return std::optional<CdcChange>(std::move(out));
}

}  // namespace nf::ingest
