#pragma once
// Runs Debian's promtool (the prometheus package; scripts/test installs it).

#include <string>
#include <utility>

namespace nf::test {

// `promtool ARGS` with `input` on its stdin: its exit code and its output (stdout and
// stderr), e.g. run_promtool("check metrics", text_of_slash_metrics).
std::pair<int, std::string> run_promtool(const std::string& args, const std::string& input);

}  // namespace nf::test
