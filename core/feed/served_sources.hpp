#pragma once
// How many items of an answered page each candidate source found: the ranking-quality
// metrics (novafeed_feed_items_served_total{source}) count what users were shown.

#include <cstdint>
#include <span>

#include "core/feed/feed_page.hpp"

namespace nf::feed {

struct ServedSources {
  uint64_t follow = 0, trending = 0, affinity = 0;
};

inline ServedSources count_served(std::span<const FeedItem> items) {
  ServedSources served;
  for (const auto& item : items) {
    switch (item.source) {
      case ranking::Source::follow: ++served.follow; break;
      case ranking::Source::trending: ++served.trending; break;
      case ranking::Source::affinity: ++served.affinity; break;
    }
  }
  return served;
}

}  // namespace nf::feed
