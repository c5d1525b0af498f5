#include "core/feed/engagement_snapshot.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "core/redis/channels.hpp"
#include "core/time/clock.hpp"

namespace nf::feed {

namespace {

double elapsed_ms(SnapshotState::Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(SnapshotState::Clock::now() - since).count();
}

}  // namespace

SnapshotState::View SnapshotState::view(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  if (!table_ || now - installed_at_ > max_age_) return {nullptr, generation_};
  return {table_, generation_};
}

SnapshotState::Ticket SnapshotState::begin_refresh(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return {epoch_, now};
}

bool SnapshotState::install(const Ticket& ticket, EngagementTable table, Clock::time_point now) {
  auto copy = std::make_shared<const EngagementTable>(std::move(table));
  std::lock_guard lock(mutex_);
  if (ticket.epoch != epoch_) return false;
  table_ = std::move(copy);
  installed_at_ = now;
  ++generation_;
  std::erase_if(marks_, [&](const auto& mark) { return mark.second < ticket.started; });
  return true;
}

void SnapshotState::mark(const std::vector<uint64_t>& posts, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (const auto post : posts) marks_[post] = now;
}

void SnapshotState::reset() {
  std::lock_guard lock(mutex_);
  table_.reset();
  marks_.clear();
  ++generation_;
  ++epoch_;
}

std::optional<std::set<uint64_t>> SnapshotState::stale_among(const View& view,
                                                              const std::vector<uint64_t>& candidates) const {
  std::lock_guard lock(mutex_);
  if (!view.table || view.generation != generation_) return std::nullopt;
  std::set<uint64_t> stale;
  for (const auto post : candidates)
    if (marks_.count(post)) stale.insert(post);
  return stale;
}

size_t SnapshotState::posts() const {
  std::lock_guard lock(mutex_);
  return table_ ? table_->size() : 0;
}

size_t SnapshotState::marks() const {
  std::lock_guard lock(mutex_);
  return marks_.size();
}

std::optional<std::vector<uint64_t>> parse_changed_posts(std::string_view payload) {
  std::vector<uint64_t> posts;
  const char* at = payload.data();
  const char* const end = payload.data() + payload.size();
  while (at < end) {
    if (*at == ' ') {
      ++at;
      continue;
    }
    uint64_t post = 0;
    const auto [next, error] = std::from_chars(at, end, post);
    if (error != std::errc() || (next != end && *next != ' ')) return std::nullopt;  // "*" or garbage
    posts.push_back(post);
    at = next;
  }
  return posts;
}

EngagementSnapshot::EngagementSnapshot(const ch::Settings& clickhouse, const redis::Settings& redis, std::string channel,
                                       const ranking::Params& params, std::chrono::milliseconds every)
    : state_(every * 4),
      clickhouse_(clickhouse),
      params_(params),
      every_(every),
      refresher_([this] { refresh_loop(); }),
      subscription_(redis, std::move(channel), "engagement snapshot",
                    {.on_message =
                         [this](std::string_view payload) {
                       if (auto posts = parse_changed_posts(payload)) return state_.mark(*posts, SnapshotState::Clock::now());
                       if (payload != redis::kAllPostsChanged)
                         spdlog::warn("engagement snapshot: unreadable message '{}': dropping the copy",
                                      payload.substr(0, 80));
                       drop_copy();
                     },
                     .on_reset = [this] { drop_copy(); },
                     .on_push = {}}) {}

void EngagementSnapshot::drop_copy() {
  state_.reset();
  announced_ = false;
  std::lock_guard lock(wake_mutex_);
  wake_now_ = true;  // read again at once (once the subscription is up)
  wake_.notify_all();
}

EngagementSnapshot::~EngagementSnapshot() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void EngagementSnapshot::refresh_loop() {
  while (true) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, every_, [this] { return stop_ || wake_now_; });
      if (stop_) return;
      wake_now_ = false;
    }
    // Only while the subscription hears changes: a copy read before it could not be told
    // stale. Not yet (it is being made, or Redis is down): look again shortly.
    if (subscription_.connected()) {
      refresh_once();
      continue;
    }
    std::unique_lock lock(wake_mutex_);
    if (wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) return;
    wake_now_ = true;
  }
}

void EngagementSnapshot::refresh_once() {
  const auto ticket = state_.begin_refresh(SnapshotState::Clock::now());
  try {
    auto table = parse_engagement_tsv(clickhouse_.query_tsv(recent_engagement_sql(params_, time::now_ms())));
    const size_t posts = table.size();
    if (!state_.install(ticket, std::move(table), SnapshotState::Clock::now())) return;
    if (announced_.exchange(true))
      spdlog::debug("engagement snapshot: {} posts read in {:.0f} ms", posts, elapsed_ms(ticket.started));
    else
      spdlog::info("engagement snapshot: in use, the figures of {} posts in memory (read in {:.0f} ms, again every {} "
                   "ms; posts changed since are read per miss)",
                   posts, elapsed_ms(ticket.started), every_.count());
  } catch (const std::exception& e) {
    // The copy in force stays until it is too old; misses read what it lacks meanwhile.
    spdlog::warn("engagement snapshot: refresh failed ({}); misses read the figures from ClickHouse meanwhile",
                 e.what());
  }
}

void settle_engagement(FetchedCandidates& fetched, const SnapshotState::View& view, const SnapshotState& state,
                       const std::function<EngagementTable(const std::set<uint64_t>&)>& read) {
  if (!view.table) return;
  const auto started = SnapshotState::Clock::now();
  auto& input = fetched.input;
  std::vector<uint64_t> from_copy;  // the candidates whose figures came from the copy
  for (const auto* source : {&input.sources.follow, &input.sources.trending, &input.sources.affinity})
    for (const auto& post : *source)
      if (view.table->count(post.id)) from_copy.push_back(post.id);
  const auto stale = state.stale_among(view, from_copy);
  const std::set<uint64_t> again = stale ? *stale : std::set<uint64_t>(from_copy.begin(), from_copy.end());
  if (again.empty()) return;
  const auto fresh = read(again);
  for (const auto post : again) {
    if (const auto found = fresh.find(post); found != fresh.end())
      input.engagement[post] = found->second;
    else
      input.engagement.erase(post);  // no counts any more
  }
  fetched.timings.push_back({"engagement changed since the snapshot (" + std::to_string(again.size()) + " posts)",
                             elapsed_ms(started)});
}

}  // namespace nf::feed
