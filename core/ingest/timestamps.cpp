#include "core/ingest/timestamps.hpp"

#include <cctype>

#include "core/time/civil.hpp"

namespace nf::ingest {
namespace {

constexpr int64_t kMaxDateTime = 4294967295LL;  // DateTime is a UInt32 of seconds

// Reads exactly `count` digits at `pos`; -1 when they are not all digits.
int64_t read_digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int64_t value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

tl::expected<uint32_t, std::string> in_range(int64_t seconds, std::string_view what) {
  if (seconds < 0 || seconds > kMaxDateTime)
    return tl::unexpected("'" + std::string(what) + "' is outside ClickHouse DateTime's range (1970..2106)");
  return static_cast<uint32_t>(seconds);
}

}  // namespace

tl::expected<uint32_t, std::string> parse_iso8601_seconds(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return tl::unexpected("'" + std::string(text) + "' is not an ISO-8601 timestamp (" + why + ")");
  };
  // YYYY-MM-DDTHH:MM:SS
  const int64_t year = read_digits(text, 0, 4), month = read_digits(text, 5, 2), day = read_digits(text, 8, 2);
  const int64_t hour = read_digits(text, 11, 2), minute = read_digits(text, 14, 2), second = read_digits(text, 17, 2);
  if (text.size() < 19 || year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 ||
      text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      text[13] != ':' || text[16] != ':')
    return bad("expected YYYY-MM-DDTHH:MM:SS");
  if (month < 1 || month > 12 || day < 1 || day > time::days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60)
    return bad("no such date or time");
  size_t pos = 19;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    const size_t digits_start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos == digits_start) return bad("no digits after the decimal point");
  }
  int64_t offset_seconds = 0;
  if (pos == text.size()) return bad("no time zone: expected Z or an offset like +02:00");
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '-' ? -1 : 1;
    const int64_t oh = read_digits(text, pos + 1, 2);
    size_t after = pos + 3;
    int64_t om = 0;
    if (after < text.size() && text[after] == ':') ++after;
    if (after < text.size()) {
      om = read_digits(text, after, 2);
      after += 2;
    }
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return bad("bad UTC offset");
    offset_seconds = sign * (oh * 3600 + om * 60);
    pos = after;
  } else {
    return bad("unexpected '" + std::string(1, text[pos]) + "' after the time");
  }
  if (pos != text.size()) return bad("trailing characters");
  const int64_t seconds = time::days_from_civil(year, month, day) * 86400 +
                          hour * 3600 + minute * 60 + second - offset_seconds;
  return in_range(seconds, text);
}

tl::expected<uint32_t, std::string> epoch_millis_to_seconds(int64_t millis) {
  // Floor division, so -1 ms is before the epoch (and refused), not 0.
  const int64_t seconds = millis >= 0 ? millis / 1000 : -((-millis + 999) / 1000);
  return in_range(seconds, std::to_string(millis) + " ms");
}

}  // namespace nf::ingest
