#pragma once
// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it ("nf-ingest",
// "nf-http-io", ...), so whoever looks at a busy novafeed at 3 a.m. sees which part of it
// spends the CPU. Linux keeps 15 bytes; a longer name is cut. Best effort: a failure
// changes nothing else.

#include <string_view>

namespace nf::process {

void name_this_thread(std::string_view name);

}  // namespace nf::process
