#include "core/retention/ttl_clause.hpp"

#include <cctype>
#include <vector>

namespace nf::retention {
namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A word outside quotes and parentheses, and where it starts.
struct TopLevelWord {
  std::string_view word;
  size_t start = 0;
};

// The words of `text` that are outside quotes ('…', "…", `…`, with \ escapes) and at
// parenthesis depth 0: where the clauses of engine_full begin. The server prints the
// keywords in upper case.
std::vector<TopLevelWord> top_level_words(std::string_view text) {
  std::vector<TopLevelWord> words;
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (is_word_char(c) && (i == 0 || !is_word_char(text[i - 1]))) {
      size_t end = i;
      while (end < text.size() && is_word_char(text[end])) ++end;
      if (depth == 0) words.push_back({text.substr(i, end - i), i});
      i = end - 1;
    }
  }
  return words;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string> ttl_expression(std::string_view engine_full) {
  const auto words = top_level_words(engine_full);
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i].word != "TTL") continue;
    const size_t begin = words[i].start + words[i].word.size();
    size_t end = engine_full.size();
    for (size_t j = i + 1; j < words.size(); ++j) {
      if (words[j].word == "SETTINGS") {
        end = words[j].start;
        break;
      }
    }
    return std::string(trim(engine_full.substr(begin, end - begin)));
  }
  return std::nullopt;
}

}  // namespace nf::retention
