#pragma once
// The feed API as a latency probe's user sees it: over HTTP, with a token of its own.

#include <cstdint>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace nf::latency {

struct FeedAnswer {
  std::string algo;  // "ranked" or "timeline"
  bool cached = false;
  std::vector<uint64_t> post_ids;
  bool holds(uint64_t post_id) const;
  std::string describe() const;  // "ranked, not cached, 3 items", for messages
};

class FeedApi {
 public:
  // `base_url` like "http://127.0.0.1:8080"; `token` a JWT for the probe reader.
  FeedApi(std::string base_url, std::string token);

  // GET /healthz; throws nf::Error(unreachable) naming the URL and what to start.
  void check_reachable() const;
  // POST one like as the token's user; an error names the status and the answer.
  tl::expected<void, std::string> post_like(const std::string& event_id, uint64_t post_id, int64_t ts_ms) const;
  // GET /api/v1/feed?limit=50.
  tl::expected<FeedAnswer, std::string> feed() const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_, token_;
};

}  // namespace nf::latency
