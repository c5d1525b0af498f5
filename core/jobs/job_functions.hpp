#pragma once
// The four jobs (one file each). Each does its work once and says what it wrote; see
// catalog.cpp for what each writes and job.hpp for the contract.

#include "core/jobs/job.hpp"

namespace nf::jobs {

JobOutcome run_hot_posts(JobContext& context, const RunOptions& options);
JobOutcome run_suggested_users(JobContext& context, const RunOptions& options);
JobOutcome run_feed_warmer(JobContext& context, const RunOptions& options);
JobOutcome run_retention(JobContext& context, const RunOptions& options);

}  // namespace nf::jobs
