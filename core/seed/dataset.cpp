#include "core/seed/dataset.hpp"

namespace nf::seed {

namespace {

std::vector<double> post_weights(const Dataset& d, Rng& rng) {
  const double author_offset = static_cast<double>(d.sizes.users) / 100.0;
  std::vector<double> weights(d.post_author.size());
  for (size_t p = 0; p < weights.size(); ++p) {
    const double author = 1.0 / (static_cast<double>(d.popularity_rank[d.post_author[p]]) + 1.0 + author_offset);
    const double u = rng.unit();
    weights[p] = author * (u * u * u + 0.01);  // a few posts catch on, most do not
  }
  return weights;
}

}  // namespace

Dataset build_dataset(uint64_t seed, const Sizes& sizes, int64_t now_ms) {
  Dataset d;
  d.seed = seed;
  d.sizes = sizes;
  d.now_ms = now_ms;
  d.window_start_ms = now_ms - static_cast<int64_t>(sizes.hours) * kHourMs;
  const auto users = static_cast<uint32_t>(sizes.users);
  const auto posts = static_cast<uint32_t>(sizes.posts);
  const double n = static_cast<double>(users);

  Rng popularity(seed, "dataset.popularity");
  d.popularity_rank = random_ranks(users, popularity);
  d.followee_picker = WeightedPicker(zipf_weights(d.popularity_rank, 0.0));

  // Out-degrees vary about 10x between the keenest and the quietest followers.
  Rng degree(seed, "dataset.out_degree");
  d.out_degree = allocate_counts(zipf_weights(random_ranks(users, degree), n / 10.0), sizes.follows(), users - 1);

  Rng activity(seed, "dataset.activity");
  const auto activity_weights = zipf_weights(random_ranks(users, activity), n / 20.0);
  d.activity_picker = WeightedPicker(activity_weights);

  // Popular accounts post more (a flatter power law over the same ranking).
  Rng authors(seed, "dataset.post_author");
  const WeightedPicker author_picker(zipf_weights(d.popularity_rank, n / 100.0));
  d.post_author.resize(posts);
  d.posts_by_author.assign(users, 0);
  for (uint32_t p = 0; p < posts; ++p) {
    d.post_author[p] = author_picker.pick(authors);
    ++d.posts_by_author[d.post_author[p]];
  }

  // Spread evenly over the window with jitter, so ids grow with time as an identity
  // column's would.
  Rng times(seed, "dataset.post_time");
  const int64_t window = d.now_ms - d.window_start_ms;
  d.post_created_ms.resize(posts);
  for (uint32_t p = 0; p < posts; ++p) {
    const double slot = (static_cast<double>(p) + times.unit()) / static_cast<double>(posts);
    d.post_created_ms[p] = d.window_start_ms + static_cast<int64_t>(slot * static_cast<double>(window));
  }

  Rng appeal(seed, "dataset.post_appeal");
  const auto weights = post_weights(d, appeal);
  if (posts > 0) d.post_picker = WeightedPicker(weights);
  d.comments_per_post = allocate_counts(weights, sizes.comments, sizes.comments);

  // Active users like more; nobody likes their own posts or a post twice.
  std::vector<uint64_t> like_room(users);
  for (uint32_t u = 0; u < users; ++u) like_room[u] = posts - d.posts_by_author[u];
  d.likes_by_user = allocate_counts(activity_weights, sizes.likes, like_room);
  return d;
}

}  // namespace nf::seed
