#include "core/seed/copy_format.hpp"

#include <charconv>

#include "core/time/civil.hpp"

namespace nf::seed {

void append_number(std::string& out, uint64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

namespace {

void append_digits(std::string& out, int64_t value, int width) {
  char buffer[8];
  for (int i = width - 1; i >= 0; --i, value /= 10) buffer[i] = static_cast<char>('0' + value % 10);
  out.append(buffer, static_cast<size_t>(width));
}

void append_civil(std::string& out, int64_t epoch_ms, char date_time_separator) {
  const auto t = time::civil_from_epoch_ms(epoch_ms);
  append_digits(out, t.year, 4);
  out += '-';
  append_digits(out, t.month, 2);
  out += '-';
  append_digits(out, t.day, 2);
  out += date_time_separator;
  append_digits(out, t.hour, 2);
  out += ':';
  append_digits(out, t.minute, 2);
  out += ':';
  append_digits(out, t.second, 2);
  out += '.';
  append_digits(out, t.millis, 3);
}

}  // namespace

void append_copy_text(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

void append_timestamp(std::string& out, int64_t epoch_ms) {
  append_civil(out, epoch_ms, ' ');
  out += "+00";
}

std::string iso_timestamp(int64_t epoch_ms) {
  std::string out;
  append_civil(out, epoch_ms, 'T');
  return out + "Z";
}

void append_copy_line(std::string& out, const UserRow& row) {
  append_number(out, row.id);
  out += "\tuser";
  append_number(out, row.id);
  out += "\tUser ";
  append_number(out, row.id);
  out += '\t';
  append_timestamp(out, row.created_ms);
  out += '\n';
}

void append_copy_line(std::string& out, const FollowRow& row) {
  append_number(out, row.follower_id);
  out += '\t';
  append_number(out, row.followee_id);
  out += '\t';
  append_timestamp(out, row.created_ms);
  out += '\n';
}

void append_copy_line(std::string& out, const PostRow& row) {
  append_number(out, row.id);
  out += '\t';
  append_number(out, row.author_id);
  out += '\t';
  append_copy_text(out, row.caption);
  out += '\t';
  append_timestamp(out, row.created_ms);
  out += '\n';
}

void append_copy_line(std::string& out, const LikeRow& row) {
  append_number(out, row.user_id);
  out += '\t';
  append_number(out, row.post_id);
  out += '\t';
  append_timestamp(out, row.created_ms);
  out += '\n';
}

void append_copy_line(std::string& out, const CommentRow& row) {
  append_number(out, row.id);
  out += '\t';
  append_number(out, row.post_id);
  out += '\t';
  append_number(out, row.user_id);
  out += '\t';
  append_copy_text(out, row.body);
  out += '\t';
  append_timestamp(out, row.created_ms);
  out += '\n';
}

}  // namespace nf::seed
