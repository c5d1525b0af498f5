#pragma once
// Rows as PostgreSQL COPY text-format lines (tab-separated, '\n'-terminated), appended to
// a buffer that is sent in large chunks. The column lists here are the ones COPY names.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/seed/rows.hpp"

namespace nf::seed {

// Appends `text` escaped for COPY's text format (backslash, tab, newline, carriage
// return), the one place text values are escaped.
// Decimal digits of `value`, without allocating (COPY lines and event JSON).
void append_number(std::string& out, uint64_t value);
void append_copy_text(std::string& out, std::string_view text);

// "2026-11-23 09:00:00.123+00": a timestamptz literal in UTC, whatever the session's
// TimeZone.
void append_timestamp(std::string& out, int64_t epoch_ms);
std::string iso_timestamp(int64_t epoch_ms);  // "2026-11-23T09:00:00.123Z", for reports

inline constexpr std::string_view kUserColumns = "id, username, display_name, created_at";
inline constexpr std::string_view kFollowColumns = "follower_id, followee_id, created_at";
inline constexpr std::string_view kPostColumns = "id, author_id, caption, created_at";
inline constexpr std::string_view kLikeColumns = "user_id, post_id, created_at";
inline constexpr std::string_view kCommentColumns = "id, post_id, user_id, body, created_at";

void append_copy_line(std::string& out, const UserRow& row);
void append_copy_line(std::string& out, const FollowRow& row);
void append_copy_line(std::string& out, const PostRow& row);
void append_copy_line(std::string& out, const LikeRow& row);
void append_copy_line(std::string& out, const CommentRow& row);

}  // namespace nf::seed
