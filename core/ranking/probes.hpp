#pragma once
// Ids reserved for the latency probes (`novafeed latency`, core/latency/). A probe writes
// real rows through the real pipeline: a probe reader follows a probe author, the author
// posts, the reader likes. Those users and posts take ids from kProbeIdFloor up (2^62,
// far above any identity sequence), and the ranking keeps them apart from real users:
//   - trending(W), hot posts and F3 (affinity) leave out posts by probe authors;
//   - suggestions never name a probe user, and the jobs never pick one as active;
//   - a probe reader gets no trending (F2), so its feed holds only probe posts and what a
//     probe measures is the pipeline, not the ranking's taste of the day.
// Only probe readers follow probe authors, so F1 never brings a probe post to anyone else.

#include <cstdint>
#include <string>
#include <string_view>

namespace nf::ranking {

inline constexpr uint64_t kProbeIdFloor = uint64_t{1} << 62;

inline bool is_probe_id(uint64_t id) { return id >= kProbeIdFloor; }

// "<column> < 4611686018427387904": the condition that keeps a statement to real ids.
inline std::string real_id_sql(std::string_view column) {
  return std::string(column) + " < " + std::to_string(kProbeIdFloor);
}

}  // namespace nf::ranking
