#pragma once
// The four jobs (one file each). Each does its work once and says what it wrote; see
// catalog.cpp for what each writes and job.hpp for the contract.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/jobs/job.hpp"

namespace nf::jobs {

JobOutcome run_hot_posts(JobContext& context, const RunOptions& options);
JobOutcome run_suggested_users(JobContext& context, const RunOptions& options);
JobOutcome run_feed_warmer(JobContext& context, const RunOptions& options);
JobOutcome run_retention(JobContext& context, const RunOptions& options);

// The feed-warmer's choice: of `users` (most active first) with their feed's TTL in
// seconds (-2: no key, -1: no expiry), those whose feed is missing or lives less than
// `min_ttl_s` more, at most `limit` of them, most active first. A user whose feed is still
// warm takes no place in the budget.
std::vector<uint64_t> pick_feeds_to_warm(const std::vector<uint64_t>& users, const std::vector<long long>& ttls,
                                         long long min_ttl_s, size_t limit);

}  // namespace nf::jobs
