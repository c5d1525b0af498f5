#pragma once
// Splits a ClickHouse migration into statements: ClickHouse runs one statement per HTTP
// request. (PostgreSQL files are sent whole: the server splits them itself, and they may
// hold dollar-quoted function bodies this splitter does not know.)

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace nf::schema {

// Splits at each ';' outside quotes ('…', "…", `…`, with \ escapes and doubled quotes) and
// comments (-- to the end of the line, /* … */). Each statement is trimmed and keeps its
// comments but not its ';'; pieces holding only comments and blanks are dropped, and a
// last statement needs no ';'. An unterminated quote or comment is an error naming its
// line.
tl::expected<std::vector<std::string>, std::string> split_statements(std::string_view sql);

}  // namespace nf::schema
