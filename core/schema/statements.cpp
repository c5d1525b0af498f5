#include "core/schema/statements.hpp"

namespace nf::schema {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

int line_of(std::string_view sql, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < sql.size(); ++i)
    if (sql[i] == '\n') ++line;
  return line;
}

}  // namespace

tl::expected<std::vector<std::string>, std::string> split_statements(std::string_view sql) {
  std::vector<std::string> statements;
  size_t start = 0;        // where the current statement began
  bool has_code = false;   // the current statement holds more than comments and blanks
  auto finish = [&](size_t end) {
    if (has_code) statements.emplace_back(trim(sql.substr(start, end - start)));
    start = end + 1;
    has_code = false;
  };

  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '-' && next == '-') {
      const auto end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (c == '/' && next == '*') {
      const auto end = sql.find("*/", i + 2);
      if (end == std::string_view::npos)
        return tl::unexpected("unterminated /* comment starting on line " + std::to_string(line_of(sql, i)));
      i = end + 2;
    } else if (c == '\'' || c == '"' || c == '`') {
      has_code = true;
      size_t j = i + 1;
      for (;;) {
        if (j >= sql.size())
          return tl::unexpected(std::string("unterminated ") + c + " quote starting on line " +
                                std::to_string(line_of(sql, i)));
        if (sql[j] == '\\') {
          j += 2;
        } else if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            j += 2;  // a doubled quote stands for itself
          } else {
            break;
          }
        } else {
          ++j;
        }
      }
      i = j + 1;
    } else if (c == ';') {
      finish(i);
      ++i;
    } else {
      if (!is_blank(c)) has_code = true;
      ++i;
    }
  }
  finish(sql.size());
  return statements;
}

}  // namespace nf::schema
