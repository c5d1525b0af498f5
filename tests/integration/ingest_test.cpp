// `novafeed ingest` on the real stack, through the real binary: SIGKILLed at random
// moments while events and OLTP changes flow, ClickHouse ends exactly right; malformed
// messages land in the dead-letter topics with their reason; two processes in one group
// insert each message once; new posts and (un)follows invalidate cached feeds; a user's
// own like refreshes the feed they had cached, with one ingest process or two in a group.
//
// Every test uses its own consumer group, started at the current end of the topics, and
// ids/event ids unique to the run, so it is re-runnable on the persistent stack.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/feed/feed_cache.hpp"
#include "core/feed/feed_service.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "core/pg/connection.hpp"
#include "core/redis/client.hpp"
#include "core/redis/pool.hpp"
#include "tests/support/consumer_group.hpp"
#include "tests/support/kafka_topics.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slow_proxy.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using nf::test::BackgroundNovafeed;

const std::vector<std::string> kTopics = {"events", "cdc.users", "cdc.posts", "cdc.follows", "cdc.likes", "cdc.comments"};

std::string log_dir() {
  const auto dir = std::filesystem::temp_directory_path() / "novafeed-ingest-test";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// `novafeed ingest` in `group` with short batches and info logs; its stdout and stderr
// are kept in log_dir() as <log_name>.out and .err.
std::unique_ptr<BackgroundNovafeed> start_ingest(const std::string& group, const std::string& streams,
                                                 const std::string& log_name,
                                                 const std::vector<std::string>& extra_settings = {}) {
  // A SIGKILLed member holds its partitions until its session times out: 6 s (the
  // broker's minimum) rather than 45 s keeps the restarts quick.
  std::vector<std::string> args = {"--json", "--log-level", "info", "--set", "ingest.group=" + group, "--set",
                                   "ingest.batch_ms=300", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=1000"};
  for (const auto& setting : extra_settings) {
    args.push_back("--set");
    args.push_back(setting);
  }
  args.push_back("ingest");
  args.push_back(streams);
  const std::string prefix = log_dir() + "/" + log_name;
  return std::make_unique<BackgroundNovafeed>(args, nf::test::stack_env(),
                                              nf::test::OutputFiles{prefix + ".out", prefix + ".err"});
}

// Waits until the child logged an assignment of some partitions.
bool wait_for_assignment(const BackgroundNovafeed& child, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const std::string err = child.stderr_text();
    for (size_t at = err.find("ingest: assigned "); at != std::string::npos; at = err.find("ingest: assigned ", at + 1))
      if (err.compare(at + 17, 7, "nothing") != 0) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

// Stops a child with SIGTERM and returns its JSON summary (fails the test when it does
// not exit 0 in time).
Json stop_ingest(BackgroundNovafeed& child) {
  const int code = child.stop(SIGTERM, 60s);  // SIGKILLed after that: 128 + 9
  const std::string err = child.stderr_text();
  INFO("stderr tail: " << err.substr(err.size() > 3000 ? err.size() - 3000 : 0));
  REQUIRE(code == 0);
  return Json::parse(child.stdout_text());
}

uint64_t unique_base() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // 7e12 + a range of 1000 ids per millisecond: far above any identity sequence.
  return 7'000'000'000'000ULL + static_cast<uint64_t>(ms % 1'000'000'000) * 1000;
}

nf::kafka::Settings kafka_settings() { return nf::kafka::settings_from(nf::test::stack_config()); }

// Applies the schema and the connector (both idempotent).
void require_pipeline() {
  const auto schema = nf::test::run_novafeed({"schema", "apply"}, nf::test::stack_env());
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);
  const auto connector = nf::test::run_novafeed({"connectors", "apply", "--wait", "--timeout", "120s"}, nf::test::stack_env());
  INFO(connector.out << connector.err);
  REQUIRE(connector.exit_code == 0);
}

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

// High watermark of every partition of `topics`.
std::map<std::pair<std::string, int32_t>, int64_t> end_offsets(const std::vector<std::string>& topics) {
  const auto settings = kafka_settings();
  const auto metadata = nf::kafka::fetch_metadata(settings);
  nf::kafka::Handle handle(RD_KAFKA_PRODUCER, nf::kafka::make_conf(settings));
  std::map<std::pair<std::string, int32_t>, int64_t> out;
  for (const auto& topic : topics) {
    const auto* info = metadata.find_topic(topic);
    REQUIRE(info != nullptr);
    for (const auto& p : info->partitions) {
      int64_t low = 0, high = 0;
      REQUIRE(rd_kafka_query_watermark_offsets(handle.get(), topic.c_str(), p.id, &low, &high, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
      out[{topic, p.id}] = high;
    }
  }
  return out;
}

// A new consumer group whose committed offsets are the current end of every topic, so
// its ingest reads only what the test produces from now on.
void start_group_at_end(const std::string& group) {
  const auto ends = end_offsets(kTopics);
  nf::kafka::Handle consumer(RD_KAFKA_CONSUMER,
                             nf::kafka::make_conf(kafka_settings(), {{"group.id", group, "test"},
                                                                     {"enable.auto.commit", "false", "test"}}));
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(ends.size())), &rd_kafka_topic_partition_list_destroy);
  for (const auto& [tp, high] : ends) rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = high;
  const auto deadline = Clock::now() + 30s;
  rd_kafka_resp_err_t err;
  while ((err = rd_kafka_commit(consumer.get(), list.get(), 0)) != RD_KAFKA_RESP_ERR_NO_ERROR && Clock::now() < deadline)
    std::this_thread::sleep_for(500ms);  // the coordinator may still be loading
  INFO(rd_kafka_err2str(err));
  REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_consumer_close(consumer.get());
}

// A producer with delivery reports (partition and offset of each message).
class TestProducer {
 public:
  struct Delivered {
    bool done = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    int32_t partition = -1;
    int64_t offset = -1;
  };
  TestProducer() {
    auto conf = nf::kafka::make_conf(kafka_settings(), {{"acks", "all", "test"}, {"linger.ms", "5", "test"}});
    rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
      auto* d = static_cast<Delivered*>(m->_private);
      d->done = true;
      d->err = m->err;
      d->partition = m->partition;
      d->offset = m->offset;
    });
    handle_ = std::make_unique<nf::kafka::Handle>(RD_KAFKA_PRODUCER, std::move(conf));
  }
  ~TestProducer() { rd_kafka_flush(handle_->get(), 10000); }
  // Returns the delivery record, valid until the producer is destroyed.
  const Delivered& produce(const std::string& topic, const std::string& key, const std::string& value) {
    deliveries_.push_back(std::make_unique<Delivered>());
    auto* d = deliveries_.back().get();
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(handle_->get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_KEY(key.data(), key.size()),
                                    RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_OPAQUE(d),
                                    RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(handle_->get(), 50);
    REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_poll(handle_->get(), 0);
    return *d;
  }
  void flush() {
    rd_kafka_flush(handle_->get(), 30000);
    for (const auto& d : deliveries_) {
      REQUIRE(d->done);
      REQUIRE(d->err == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }

 private:
  std::vector<std::unique_ptr<Delivered>> deliveries_;
  std::unique_ptr<nf::kafka::Handle> handle_;
};

struct TestEvent {
  std::string event_id;
  uint64_t user_id, post_id, author_id;
  std::string action;
  bool with_author;
};

std::string event_json(const TestEvent& e, int64_t ts_ms) {
  Json j = {{"event_id", e.event_id}, {"user_id", e.user_id}, {"post_id", e.post_id}, {"action", e.action}, {"ts", ts_ms}};
  if (e.with_author) j["author_id"] = e.author_id;
  return j.dump();
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Polls `check` (returns "" when satisfied, else what differs) until it passes or the
// deadline; returns the last difference.
std::string wait_until(std::chrono::seconds timeout, const std::function<std::string()>& check) {
  const auto deadline = Clock::now() + timeout;
  std::string difference;
  while (true) {
    try {
      difference = check();
    } catch (const std::exception& e) {
      difference = std::string("query failed: ") + e.what();
    }
    if (difference.empty() || Clock::now() > deadline) return difference;
    std::this_thread::sleep_for(1s);
  }
}

std::string in_list(const std::set<uint64_t>& ids) {
  std::string out;
  for (const auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return "(" + out + ")";
}

// Rows as "a|b|c" strings, for set comparison. The JSON objects come back with their keys
// sorted, so name the columns c1, c2, … in select order.
std::set<std::string> ch_rows(const std::string& sql) {
  std::set<std::string> rows;
  for (const auto& row : nf::test::stack_clickhouse().query(sql)) {
    std::string line;
    for (const auto& [k, v] : row.items()) line += (line.empty() ? "" : "|") + (v.is_string() ? v.get<std::string>() : v.dump());
    rows.insert(line);
  }
  return rows;
}

std::set<std::string> pg_rows(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  std::set<std::string> rows;
  for (const auto& row : tx.exec(sql)) {
    std::string line;
    for (const auto& field : row) line += (line.empty() ? "" : "|") + std::string(field.c_str());
    rows.insert(line);
  }
  return rows;
}

std::string describe_difference(const std::string& what, const std::set<std::string>& expected, const std::set<std::string>& actual) {
  if (expected == actual) return "";
  std::string out = what + ": ";
  int shown = 0;
  for (const auto& e : expected)
    if (!actual.contains(e) && shown++ < 5) out += "missing {" + e + "} ";
  for (const auto& a : actual)
    if (!expected.contains(a) && shown++ < 10) out += "unexpected {" + a + "} ";
  return out + "(" + std::to_string(expected.size()) + " expected, " + std::to_string(actual.size()) + " found)";
}

// When the test ends, its posts (ids base..base+999, heavily engaged, made now) are
// soft-deleted in PostgreSQL (CDC carries that to ClickHouse eventually) and removed from
// ClickHouse at once: otherwise they would trend for a day in every later test's feeds.
class RunPostsRemoved {
 public:
  explicit RunPostsRemoved(uint64_t base) : range_(" BETWEEN " + std::to_string(base) + " AND " + std::to_string(base + 999)) {}
  ~RunPostsRemoved() {
    try {
      auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
      pqxx::nontransaction tx(*pg);
      tx.exec("UPDATE posts SET deleted_at = now() WHERE deleted_at IS NULL AND id" + range_);
      nf::test::stack_clickhouse().execute("ALTER TABLE posts DELETE WHERE id" + range_);
      nf::test::stack_clickhouse().execute("ALTER TABLE posts_by_author DELETE WHERE id" + range_);
      nf::test::stack_clickhouse().execute("ALTER TABLE post_metrics_1d DELETE WHERE post_id" + range_);
      nf::test::stack_clickhouse().execute("ALTER TABLE post_counts DELETE WHERE post_id" + range_);
    } catch (const std::exception& e) {
      WARN(std::string("could not remove the crash test's posts: ") + e.what());
    }
  }
  RunPostsRemoved(const RunPostsRemoved&) = delete;
  RunPostsRemoved& operator=(const RunPostsRemoved&) = delete;

 private:
  std::string range_;
};

// What the feed refresh tests read and write feeds with: the stack's configuration, a
// Redis pool and connection, and a feed service (to warm feeds as a request would cache them).
struct StackFeeds {
  nf::config::Config config = nf::test::stack_config();
  nf::redis::Pool pool{nf::redis::settings_from(config)};
  nf::feed::FeedService feeds{config, pool};
  nf::redis::Connection redis{nf::redis::settings_from(config)};

  static std::string key(uint64_t user) { return "feed:v1:" + std::to_string(user); }
  bool cached(uint64_t user) { return redis.command({"EXISTS", key(user)})->integer > 0; }
};

// A world of the test's own, written straight into ClickHouse (as feed_test does):
// `author`'s posts, each (id, created seconds ago), and `followers` following the author.
void write_followed_posts(uint64_t author, const std::vector<std::pair<uint64_t, int64_t>>& posts,
                          const std::vector<uint64_t>& followers) {
  const int64_t now_s = now_ms() / 1000;
  std::string post_rows, follow_rows;
  for (const auto& [post, age_s] : posts)
    post_rows += std::string(post_rows.empty() ? "" : ", ") + "(" + std::to_string(post) + ", " +
                 std::to_string(author) + ", 'refresh test', toDateTime(" + std::to_string(now_s - age_s) +
                 "), toDateTime(" + std::to_string(now_s - age_s) + "), NULL, 1, 0)";
  for (const auto follower : followers)
    follow_rows += std::string(follow_rows.empty() ? "" : ", ") + "(" + std::to_string(follower) + ", " +
                   std::to_string(author) + ", toDateTime(" + std::to_string(now_s - 7200) + "), toDateTime(" +
                   std::to_string(now_s - 7200) + "), 1, 0)";
  const auto ch = nf::test::stack_clickhouse();
  ch.execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, deleted_at, _version, _deleted) VALUES " +
             post_rows);
  ch.execute("INSERT INTO follows (follower_id, followee_id, created_at, updated_at, _version, _deleted) VALUES " +
             follow_rows);
}

bool feed_holds(const nf::feed::CachedFeed& feed, uint64_t post) {
  return std::any_of(feed.items.begin(), feed.items.end(), [post](const auto& item) { return item.post_id == post; });
}

// "" when `feed` (cached for `user`) is the feed ranked at its computed_at from scratch (a
// new service: no trending memoised from before), else both lists of post ids.
std::string differs_from_fresh_ranking(const nf::config::Config& config, nf::redis::Pool& pool, uint64_t user,
                                       const nf::feed::CachedFeed& feed) {
  nf::feed::FeedService recompute(config, pool);
  const auto fresh = recompute.explain(user, feed.computed_at_ms);
  if (fresh.algo != "ranked") return "the fresh feed is the " + fresh.algo + " (" + fresh.fallback_why.value_or("") + ")";
  std::string cached_ids, fresh_ids;
  for (const auto& item : feed.items) cached_ids += " " + std::to_string(item.post_id);
  for (const auto& post : fresh.result.feed) fresh_ids += " " + std::to_string(post.post.id);
  return cached_ids == fresh_ids ? "" : "cached:" + cached_ids + "; fresh:" + fresh_ids;
}

}  // namespace

TEST_CASE("ingest: SIGKILLed at random moments and restarted, ClickHouse ends with every count exact", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  const uint64_t base = unique_base();
  const RunPostsRemoved removed(base);
  const std::string run = "ingest-crash-" + std::to_string(base);
  const std::string group = "ingest-test-" + std::to_string(base);
  start_group_at_end(group);
  auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  std::mt19937_64 random(base);

  // Users base+1..base+8, posts base+100.. (author = user (i % 8) + 1), a few follows.
  const int kUsers = 8;
  std::map<uint64_t, uint64_t> author_of;  // post → author
  {
    pqxx::work tx(*pg);
    for (int i = 1; i <= kUsers; ++i)
      tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2)", base + i, run + "-u" + std::to_string(i));
    for (int i = 0; i < 6; ++i) {
      const uint64_t post = base + 100 + i, author = base + 1 + i % kUsers;
      tx.exec_params("INSERT INTO posts (id, author_id, caption) VALUES ($1, $2, $3)", post, author, "post " + std::to_string(i));
      author_of[post] = author;
    }
    for (int i = 2; i <= kUsers; ++i) tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", base + i, base + 1);
    tx.commit();
  }

  // Ingest reaches ClickHouse through a proxy that holds each request for 700 ms.
  const std::string ch_url = nf::test::stack_config().get("clickhouse.url");
  nf::test::SlowProxy proxy(std::stoi(ch_url.substr(ch_url.rfind(':') + 1)), 700ms);
  const std::vector<std::string> via_proxy = {"clickhouse.url=http://127.0.0.1:" + std::to_string(proxy.port())};
  std::unique_ptr<BackgroundNovafeed> ingest = start_ingest(group, "all", "crash-0", via_proxy);
  std::vector<TestEvent> produced;  // unique events, in order
  std::atomic<bool> traffic_done = false;
  std::string traffic_error;
  std::set<uint64_t> hard_deleted_posts;
  std::map<uint64_t, uint64_t> author_of_deleted;  // hard-deleted post → author
  std::thread traffic([&] {
    try {
      TestProducer producer;
      std::mt19937_64 rng(base + 1);
      const std::vector<std::string> actions = {"impression", "view", "like", "comment", "share"};
      uint64_t next_post = base + 106;
      for (int round = 0; round < 40; ++round) {
        for (int n = 0; n < 100; ++n) {
          const bool duplicate = !produced.empty() && rng() % 10 == 0;
          TestEvent e;
          if (duplicate) {
            e = produced[rng() % produced.size()];  // the same event again (a client retry)
          } else {
            std::vector<uint64_t> posts;
            for (const auto& [post, author] : author_of) posts.push_back(post);
            const uint64_t post = posts[rng() % posts.size()];
            e = {run + "-e" + std::to_string(produced.size()), base + 1 + rng() % kUsers, post, author_of.at(post),
                 actions[rng() % actions.size()], rng() % 2 == 0};
            produced.push_back(e);
          }
          producer.produce("events", std::to_string(e.user_id), event_json(e, now_ms()));
        }
        // OLTP changes: a new post, caption edits, soft deletes, likes and unlikes,
        // follows and unfollows, and a hard-deleted post nobody has events for.
        pqxx::work tx(*pg);
        const uint64_t user = base + 1 + round % kUsers;
        switch (round % 6) {
          case 0: {
            const uint64_t post = next_post++;
            tx.exec_params("INSERT INTO posts (id, author_id, caption) VALUES ($1, $2, $3)", post, user, "new " + std::to_string(round));
            // Events for it start with the next round (the post exists in PostgreSQL by then).
            author_of[post] = user;
            break;
          }
          case 1:
            tx.exec_params("UPDATE posts SET caption = $2 WHERE id = $1", base + 100 + round % 6, "edited in round " + std::to_string(round));
            break;
          case 2:
            tx.exec_params("INSERT INTO likes (user_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", user, base + 100 + round % 5);
            tx.exec_params("INSERT INTO likes (user_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", user, base + 101);
            break;
          case 3:
            // The like of the previous round.
            tx.exec_params("DELETE FROM likes WHERE user_id = $1 AND post_id = $2", base + 1 + (round - 1) % kUsers, base + 101);
            tx.exec_params("UPDATE posts SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL", base + 100 + round % 6);
            break;
          case 4:
            tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", user,
                           base + 1 + (round + 3) % kUsers);
            tx.exec_params("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2", base + 2 + round % 7, base + 1);
            break;
          case 5: {
            const uint64_t victim = base + 500 + round;
            tx.exec_params("INSERT INTO posts (id, author_id, caption) VALUES ($1, $2, 'short-lived')", victim, user);
            tx.exec_params("UPDATE posts SET caption = 'short-lived, edited' WHERE id = $1", victim);
            tx.exec_params("DELETE FROM posts WHERE id = $1", victim);
            hard_deleted_posts.insert(victim);
            author_of_deleted[victim] = user;
            break;
          }
        }
        tx.commit();
        std::this_thread::sleep_for(std::chrono::milliseconds(250 + rng() % 250));
      }
      producer.flush();
    } catch (const std::exception& e) {
      traffic_error = e.what();
    }
    traffic_done = true;
  });

  // Kill ingest at random moments while it holds partitions (at least five times),
  // restarting it each time: while it catches up, in the middle of an insert, between a
  // flush's steps.
  int kills = 0;
  while (!traffic_done || kills < 5) {
    REQUIRE(wait_for_assignment(*ingest, 60s));
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 3000));
    REQUIRE(ingest->stop(SIGKILL, 10s) == 128 + SIGKILL);
    ++kills;
    ingest = start_ingest(group, "all", "crash-" + std::to_string(kills), via_proxy);
  }
  traffic.join();
  REQUIRE(traffic_error.empty());

  // Expected figures, from what was produced (duplicates counted once).
  std::set<uint64_t> users, posts;
  for (int i = 1; i <= kUsers; ++i) users.insert(base + i);
  for (const auto& [post, author] : author_of) posts.insert(post);
  std::map<std::string, uint64_t> per_post_action, per_post_ranked_action, per_user_author_action;
  std::map<std::string, uint64_t> per_user_author;  // user_author_counts: like + comment + share
  std::set<std::string> seen_pairs;
  for (const auto& e : produced) {
    ++per_post_action[std::to_string(e.post_id) + "|" + e.action];
    if (e.action != "view") ++per_post_ranked_action[std::to_string(e.post_id) + "|" + e.action];
    seen_pairs.insert(std::to_string(e.user_id) + "|" + std::to_string(e.post_id));
    if (e.action == "like" || e.action == "comment" || e.action == "share") {
      ++per_user_author_action[std::to_string(e.user_id) + "|" + std::to_string(e.author_id) + "|" + e.action];
      ++per_user_author[std::to_string(e.user_id) + "|" + std::to_string(e.author_id)];
    }
  }
  const auto as_rows = [](const std::map<std::string, uint64_t>& counts) {
    std::set<std::string> rows;
    for (const auto& [k, v] : counts) rows.insert(k + "|" + std::to_string(v));
    return rows;
  };
  const std::string ids = "BETWEEN " + std::to_string(base) + " AND " + std::to_string(base + 999);
  const std::string like_run = "event_id LIKE " + nf::ch::quote(run + "-e%");

  const auto difference = wait_until(120s, [&]() -> std::string {
    std::string diff;
    diff += describe_difference("events uniqExact", {std::to_string(produced.size())},
                                ch_rows("SELECT uniqExact(event_id) AS n FROM events WHERE " + like_run));
    diff += describe_difference("events FINAL", {std::to_string(produced.size())},
                                ch_rows("SELECT count() AS n FROM events FINAL WHERE " + like_run));
    diff += describe_difference(
        "post_metrics_1h", as_rows(per_post_action),
        ch_rows("SELECT post_id AS c1, toString(action) AS c2, uniqExactMerge(events) AS c3 FROM post_metrics_1h "
                "WHERE post_id IN " + in_list(posts) + " GROUP BY c1, c2"));
    diff += describe_difference(
        "post_metrics_1d", as_rows(per_post_ranked_action),
        ch_rows("SELECT post_id AS c1, toString(action) AS c2, uniqExactMerge(events) AS c3 FROM post_metrics_1d "
                "WHERE post_id IN " + in_list(posts) + " GROUP BY c1, c2"));
    // The counters ranking reads (schema 0006): each event once, though 10 % of the
    // produced messages are resends and every SIGKILL replays what was not committed.
    std::string counts_sql;
    for (const char* action : {"like", "comment", "share", "impression"})
      counts_sql += std::string(counts_sql.empty() ? "" : " UNION ALL ") + "SELECT post_id AS c1, '" + action +
                    "' AS c2, sum(" + action + "s) AS c3 FROM post_counts WHERE post_id IN " + in_list(posts) +
                    " GROUP BY post_id HAVING c3 > 0";
    diff += describe_difference("post_counts", as_rows(per_post_ranked_action), ch_rows(counts_sql));
    diff += describe_difference(
        "user_author_counts", as_rows(per_user_author),
        ch_rows("SELECT user_id AS c1, author_id AS c2, sum(interactions) AS c3 FROM user_author_counts WHERE user_id IN " +
                in_list(users) + " GROUP BY c1, c2"));
    diff += describe_difference(
        "user_seen", seen_pairs,
        ch_rows("SELECT DISTINCT user_id AS c1, post_id AS c2 FROM user_seen WHERE user_id IN " + in_list(users)));
    diff += describe_difference(
        "user_author_90d", as_rows(per_user_author_action),
        ch_rows("SELECT user_id AS c1, author_id AS c2, toString(action) AS c3, uniqExactMerge(events) AS c4 "
                "FROM user_author_90d WHERE user_id IN " + in_list(users) + " GROUP BY c1, c2, c3"));
    // CDC: the live rows equal PostgreSQL's, hard deletes are delete-flagged versions.
    diff += describe_difference(
        "posts",
        pg_rows(*pg, "SELECT id, author_id, caption, floor(extract(epoch FROM created_at))::bigint, "
                     "(deleted_at IS NOT NULL)::int FROM posts WHERE id " + ids),
        ch_rows("SELECT id AS c1, author_id AS c2, caption AS c3, toUnixTimestamp(created_at) AS c4, _deleted AS c5 "
                "FROM posts FINAL WHERE id " + ids +
                " AND id NOT IN " + in_list(hard_deleted_posts)));
    std::set<std::string> deleted;
    for (const auto id : hard_deleted_posts) deleted.insert(std::to_string(id) + "|1");
    diff += describe_difference("hard-deleted posts", deleted,
                                ch_rows("SELECT id AS c1, _deleted AS c2 FROM posts FINAL WHERE id IN " + in_list(hard_deleted_posts)));
    // posts_by_author, which F1 and F3 read: the same live rows, and a hard delete replaces
    // the post under its author (PostgreSQL sends the whole old row).
    diff += describe_difference(
        "posts_by_author",
        pg_rows(*pg, "SELECT author_id, id, floor(extract(epoch FROM created_at))::bigint, (deleted_at IS NOT NULL)::int "
                     "FROM posts WHERE id " + ids),
        ch_rows("SELECT author_id AS c1, id AS c2, toUnixTimestamp(created_at) AS c3, _deleted AS c4 "
                "FROM posts_by_author FINAL WHERE id " + ids + " AND id NOT IN " + in_list(hard_deleted_posts)));
    std::set<std::string> deleted_by_author;
    for (const auto id : hard_deleted_posts) deleted_by_author.insert(std::to_string(author_of_deleted.at(id)) + "|" + std::to_string(id) + "|1");
    diff += describe_difference(
        "hard-deleted posts_by_author", deleted_by_author,
        ch_rows("SELECT author_id AS c1, id AS c2, _deleted AS c3 FROM posts_by_author FINAL WHERE id IN " +
                in_list(hard_deleted_posts)));
    diff += describe_difference(
        "likes", pg_rows(*pg, "SELECT user_id, post_id FROM likes WHERE user_id " + ids),
        ch_rows("SELECT user_id AS c1, post_id AS c2 FROM likes FINAL WHERE user_id " + ids + " AND _deleted = 0"));
    diff += describe_difference(
        "follows", pg_rows(*pg, "SELECT follower_id, followee_id FROM follows WHERE follower_id " + ids),
        ch_rows("SELECT follower_id AS c1, followee_id AS c2 FROM follows FINAL WHERE follower_id " + ids + " AND _deleted = 0"));
    diff += describe_difference("users", pg_rows(*pg, "SELECT id, username FROM users WHERE id " + ids),
                                ch_rows("SELECT id AS c1, username AS c2 FROM users FINAL WHERE id " + ids + " AND _deleted = 0"));
    return diff;
  });
  INFO("killed " << kills << " times; " << produced.size() << " unique events");
  const std::string last_err = ingest->stderr_text();
  INFO("last ingest stderr tail: " << last_err.substr(last_err.size() > 4000 ? last_err.size() - 4000 : 0));
  CHECK(difference == "");
  // Deleted likes and follows really are delete-flagged rows, not just absent.
  CHECK(nf::test::stack_clickhouse().query("SELECT count() AS n FROM likes FINAL WHERE user_id " + ids + " AND _deleted = 1").at(0).at("n") != "0");
  CHECK(nf::test::stack_clickhouse().query("SELECT count() AS n FROM follows FINAL WHERE follower_id " + ids + " AND _deleted = 1").at(0).at("n") != "0");

  const Json summary = stop_ingest(*ingest);
  CHECK(summary.at("stopped_by") == "signal");
  CHECK(summary.at("uncommitted") == 0);
}

TEST_CASE("ingest: malformed messages land in the dead-letter topics with their reason, and ingest goes on",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  const uint64_t base = unique_base();
  const std::string run = "ingest-dlq-" + std::to_string(base);
  const std::string group = "ingest-test-" + std::to_string(base);
  start_group_at_end(group);
  const auto dlq_start = end_offsets({"events.dlq", "cdc.dlq"});
  auto ingest = start_ingest(group, "all", "dlq");

  TestProducer producer;
  const auto& garbage = producer.produce("events", run + "-garbage", "not json {");
  const auto& bad_action = producer.produce(
      "events", run + "-bad-action",
      Json{{"event_id", run + "-x"}, {"user_id", 1}, {"post_id", 1}, {"action", "poke"}, {"ts", now_ms()}}.dump());
  const auto& unknown_post = producer.produce(
      "events", run + "-unknown-post",
      Json{{"event_id", run + "-y"}, {"user_id", 1}, {"post_id", base + 999}, {"action", "view"}, {"ts", now_ms()}}.dump());
  const auto& cdc_garbage = producer.produce("cdc.posts", run + "-cdc", "{\"op\":\"c\",\"after\":{\"id\":\"x\"}}");
  producer.produce("events", run + "-ok",
                   Json{{"event_id", run + "-ok"}, {"user_id", 1}, {"post_id", base + 998}, {"author_id", 1}, {"action", "view"},
                        {"ts", now_ms()}}.dump());
  producer.flush();

  // Ingest goes on: the valid event after the bad ones is inserted.
  CHECK(wait_until(60s, [&]() -> std::string {
          return describe_difference("valid event", {"1"},
                                     ch_rows("SELECT count() AS n FROM events WHERE event_id = " + nf::ch::quote(run + "-ok")));
        }) == "");

  // Read the dead-letter topics from where they ended before the test.
  struct Letter {
    std::map<std::string, std::string> headers;
    std::string value;
  };
  std::map<std::string, Letter> letters;  // by key
  const auto read_letters = [&]() -> std::string {
    nf::kafka::Handle consumer(RD_KAFKA_CONSUMER, nf::kafka::make_conf(kafka_settings(), {{"group.id", group + "-dlq-reader", "test"}}));
    PartitionList list(rd_kafka_topic_partition_list_new(2), &rd_kafka_topic_partition_list_destroy);
    for (const auto& [tp, start] : dlq_start) rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = start;
    rd_kafka_assign(consumer.get(), list.get());
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline && letters.size() < 4) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 200);
      if (!m) continue;
      if (!m->err && m->key) {
        Letter letter;
        if (m->payload) letter.value.assign(static_cast<const char*>(m->payload), m->len);
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* name;
          const void* value;
          size_t size;
          for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
            letter.headers[name] = std::string(static_cast<const char*>(value), size);
        }
        const std::string key(static_cast<const char*>(m->key), m->key_len);
        if (key.rfind(run, 0) == 0) letters[key] = letter;
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer.get());
    return letters.size() == 4 ? "" : "found " + std::to_string(letters.size()) + " of 4 dead letters";
  };
  REQUIRE(wait_until(60s, read_letters) == "");

  const auto check_letter = [&](const std::string& key, const std::string& topic, const TestProducer::Delivered& source,
                                const std::string& reason) {
    INFO("dead letter " << key);
    REQUIRE(letters.contains(key));
    const auto& h = letters[key].headers;
    CHECK_THAT(h.at("novafeed.reason"), Catch::Contains(reason));
    CHECK(h.at("novafeed.source.topic") == topic);
    CHECK(h.at("novafeed.source.partition") == std::to_string(source.partition));
    CHECK(h.at("novafeed.source.offset") == std::to_string(source.offset));
    CHECK(h.at("novafeed.consumer.group") == group);
  };
  check_letter(run + "-garbage", "events", garbage, "value is not JSON");
  CHECK(letters[run + "-garbage"].value == "not json {");  // the message as it was
  check_letter(run + "-bad-action", "events", bad_action, "action: 'poke' is not one of");
  check_letter(run + "-unknown-post", "events", unknown_post, "post " + std::to_string(base + 999) + " is not in PostgreSQL");
  check_letter(run + "-cdc", "cdc.posts", cdc_garbage, "source is missing");

  const Json summary = stop_ingest(*ingest);
  CHECK(summary.at("metrics").at("dead_lettered").get<uint64_t>() >= 4);
}

TEST_CASE("ingest: two processes in one group share the partitions and insert each event once", "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  const uint64_t base = unique_base();
  const std::string run = "ingest-pair-" + std::to_string(base);
  const std::string group = "ingest-test-" + std::to_string(base);
  start_group_at_end(group);
  auto first = start_ingest(group, "events", "pair-a");
  auto second = start_ingest(group, "events", "pair-b");

  // Both members hold partitions before anything is produced.
  nf::kafka::Handle admin(RD_KAFKA_PRODUCER, nf::kafka::make_conf(kafka_settings()));
  const auto members_with_partitions = [&]() -> std::string {
    const rd_kafka_group_list* groups = nullptr;
    if (rd_kafka_list_groups(admin.get(), group.c_str(), &groups, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR || !groups)
      return "cannot list the group";
    int members = 0;
    for (int g = 0; g < groups->group_cnt; ++g)
      if (std::string(groups->groups[g].state) == "Stable")
        for (int m = 0; m < groups->groups[g].member_cnt; ++m) members += groups->groups[g].members[m].member_assignment_size > 0;
    rd_kafka_group_list_destroy(groups);
    return members == 2 ? "" : std::to_string(members) + " members with partitions";
  };
  REQUIRE(wait_until(60s, members_with_partitions) == "");

  const int kEvents = 3000;
  {
    TestProducer producer;
    for (int i = 0; i < kEvents; ++i) {
      const uint64_t user = base + 1 + i % 97;  // many keys: every partition gets some
      producer.produce("events", std::to_string(user),
                       Json{{"event_id", run + "-" + std::to_string(i)}, {"user_id", user}, {"post_id", base + 100 + i % 7},
                            {"author_id", base + 1}, {"action", "impression"}, {"ts", now_ms()}}.dump());
    }
    producer.flush();
  }
  const std::string like_run = "event_id LIKE " + nf::ch::quote(run + "-%");
  CHECK(wait_until(60s, [&] {
          return describe_difference("events", {std::to_string(kEvents)},
                                     ch_rows("SELECT uniqExact(event_id) AS n FROM events WHERE " + like_run));
        }) == "");
  // Inserted once: no duplicate rows at all, before any merge could hide them.
  CHECK(ch_rows("SELECT count() AS n FROM events WHERE " + like_run) == std::set<std::string>{std::to_string(kEvents)});

  const Json a = stop_ingest(*first);
  const Json b = stop_ingest(*second);
  const auto consumed_a = a.at("metrics").at("consumed").get<uint64_t>();
  const auto consumed_b = b.at("metrics").at("consumed").get<uint64_t>();
  CHECK(consumed_a > 0);
  CHECK(consumed_b > 0);
  CHECK(consumed_a + consumed_b >= static_cast<uint64_t>(kEvents));
}

TEST_CASE("ingest: a new post, a follow and an unfollow invalidate the cached feeds of the users concerned",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  const uint64_t base = unique_base();
  const std::string run = "ingest-feeds-" + std::to_string(base);
  const std::string group = "ingest-test-" + std::to_string(base);
  start_group_at_end(group);
  auto ingest = start_ingest(group, "cdc", "feeds");
  auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  nf::redis::Connection redis(nf::redis::settings_from(nf::test::stack_config()));

  const uint64_t author = base + 1, fan1 = base + 2, fan2 = base + 3, stranger = base + 4;
  {
    pqxx::work tx(*pg);
    for (uint64_t id = base + 1; id <= base + 4; ++id)
      tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2)", id, run + "-" + std::to_string(id));
    tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $3), ($2, $3)", fan1, fan2, author);
    tx.commit();
  }
  // Ingest has caught up with the setup before any feed is cached.
  REQUIRE(wait_until(60s, [&] {
            return describe_difference("users", {"4"},
                                       ch_rows("SELECT count() AS n FROM users FINAL WHERE id BETWEEN " + std::to_string(base + 1) +
                                               " AND " + std::to_string(base + 4)));
          }) == "");
  REQUIRE(wait_until(30s, [&] {
            return describe_difference("follows", {"2"},
                                       ch_rows("SELECT count() AS n FROM follows FINAL WHERE followee_id = " + std::to_string(author)));
          }) == "");
  std::this_thread::sleep_for(1s);  // the flush that inserted them also invalidated

  const auto cache = [&](uint64_t user) { redis.command({"SET", "feed:v1:" + std::to_string(user), "[]", "EX", "300"}); };
  const auto cached = [&](uint64_t user) { return redis.command({"EXISTS", "feed:v1:" + std::to_string(user)})->integer == 1; };
  for (const auto user : {fan1, fan2, stranger}) cache(user);

  {
    pqxx::work tx(*pg);
    tx.exec_params("INSERT INTO posts (id, author_id, caption) VALUES ($1, $2, 'fresh')", base + 100, author);
    tx.commit();
  }
  CHECK(wait_until(60s, [&]() -> std::string { return cached(fan1) || cached(fan2) ? "followers' feeds still cached" : ""; }) == "");
  CHECK(cached(stranger));  // not a follower: untouched

  {
    pqxx::work tx(*pg);
    tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", stranger, author);
    tx.commit();
  }
  CHECK(wait_until(60s, [&]() -> std::string { return cached(stranger) ? "the new follower's feed is still cached" : ""; }) == "");

  cache(fan1);
  {
    pqxx::work tx(*pg);
    tx.exec_params("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2", fan1, author);
    tx.commit();
  }
  CHECK(wait_until(60s, [&]() -> std::string { return cached(fan1) ? "the unfollower's feed is still cached" : ""; }) == "");

  const Json summary = stop_ingest(*ingest);
  CHECK(summary.at("metrics").at("feeds_invalidated").get<uint64_t>() >= 4);
}

TEST_CASE("ingest: its CDC watch heals a stalled replication slot by itself, and the rows written meanwhile arrive") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  const uint64_t base = unique_base();
  const std::string group = "ingest-watch-" + std::to_string(base);
  start_group_at_end(group);
  auto ingest = start_ingest(group, "cdc", "watch", {"cdc.watch_interval_ms=2000"});
  // A frozen worker keeps its walsender connected and silent: the slot stalls exactly
  // as under an orphaned task. Nobody runs `connectors heal`: the ingest's watch must.
  nf::test::FrozenService worker("connect");
  auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  {
    pqxx::work tx(*pg);
    tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2)", base + 1, "ingest-watch-" + std::to_string(base));
    tx.commit();
  }
  const bool healed = ingest->wait_for_stderr("cdc watch: ended walsender pid", 90s);
  INFO(ingest->stderr_text());
  CHECK(healed);
  worker.thaw();

  CHECK(wait_until(90s, [&] {
          return describe_difference("users", {"1"},
                                     ch_rows("SELECT count() AS n FROM users FINAL WHERE id = " + std::to_string(base + 1)));
        }) == "");
  {
    pqxx::work tx(*pg);
    tx.exec_params("DELETE FROM users WHERE id = $1", base + 1);
    tx.commit();
  }
  stop_ingest(*ingest);
}

TEST_CASE("doctor: the ingest group's lag per topic and partition matches a lag made on purpose") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  const uint64_t base = unique_base();
  const std::string group = "doctor-lag-" + std::to_string(base);
  start_group_at_end(group);  // committed at the end of every topic: lag 0
  const std::string topic = nf::test::stack_config().get("kafka.events_topic");
  constexpr int kMessages = 37;
  {
    // Nobody in the group reads them: a lag of exactly 37. The first 5 (one per key, so
    // on several partitions) carry a timestamp 300 s old: the oldest unread message.
    auto conf = nf::kafka::make_conf(kafka_settings(), {{"acks", "all", "test"}});
    nf::kafka::Handle producer(RD_KAFKA_PRODUCER, std::move(conf));
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    for (int i = 0; i < kMessages; ++i) {
      std::string key = std::to_string(i), value = "{\"doctor-lag-test\":" + key + "}";
      REQUIRE(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value.data(), value.size()),
                                RD_KAFKA_V_TIMESTAMP(i < 5 ? now - 300'000 : now), RD_KAFKA_V_END) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
      if (i == 4) REQUIRE(rd_kafka_flush(producer.get(), 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);  // before the others
    }
    REQUIRE(rd_kafka_flush(producer.get(), 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  const auto doctor = [&](const std::string& max_lag) {
    const auto run = nf::test::run_novafeed(
        {"--json", "--set", "ingest.group=" + group, "--set", "doctor.max_consumer_lag=" + max_lag, "doctor"},
        nf::test::stack_env());
    INFO(run.out << run.err);
    for (const auto& check : Json::parse(run.out))
      if (check["name"] == "lag") return check;
    FAIL("no lag check");
    return Json();
  };
  const auto within = doctor("1000");
  CHECK(within["status"] == "ok");
  CHECK(within["figures"]["lag"] == kMessages);
  CHECK(within["figures"]["topics"][topic]["lag"] == kMessages);
  int64_t per_partition = 0;
  for (const auto& partition : within["figures"]["topics"][topic]["partitions"]) {
    CHECK(partition["committed"].is_number_integer());
    per_partition += partition["lag"].get<int64_t>();
  }
  CHECK(per_partition == kMessages);
  // The oldest unread message, 300 s old (give or take the test's own seconds).
  CHECK(within["figures"]["seconds_behind"].get<double>() >= 295);
  CHECK(within["figures"]["seconds_behind"].get<double>() < 400);
  // The other topics: nothing new for this group (CDC may write meanwhile, so only events is exact).
  const auto above = doctor("10");
  CHECK(above["status"] == "fail");
  CHECK_THAT(above["detail"].get<std::string>(), Catch::Contains("messages behind") && Catch::Contains(topic));
}

TEST_CASE("doctor: dead letters of the last hour are counted per dead-letter topic") {
  if (!nf::test::require_stack()) return;
  const std::string dlq = nf::test::stack_config().get("ingest.events_dlq_topic");
  const auto dead_letters = [&] {
    const auto run = nf::test::run_novafeed({"--json", "doctor"}, nf::test::stack_env());
    INFO(run.out << run.err);
    for (const auto& check : Json::parse(run.out))
      if (check["name"] == "dlq") return check;
    FAIL("no dlq check");
    return Json();
  };
  const auto before = dead_letters();
  REQUIRE(before["figures"]["last_hour"].contains(dlq));
  {
    TestProducer producer;
    for (int i = 0; i < 3; ++i) producer.produce(dlq, "doctor-dlq", "{\"not\": \"an event\"}");
  }
  const auto after = dead_letters();
  CHECK(after["figures"]["last_hour"][dlq].get<int64_t>() - before["figures"]["last_hour"][dlq].get<int64_t>() == 3);
  CHECK(after["status"] == "warn");
  CHECK_THAT(after["detail"].get<std::string>(), Catch::Contains("dead-lettered in the last hour"));
}

TEST_CASE("ingest: a user's own like, comment or share invalidates their cached feed, an impression or a view does not",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  const uint64_t base = unique_base();
  const std::string group = "ingest-own-" + std::to_string(base);
  start_group_at_end(group);
  // Invalidation alone: the refresh of a feed cached before (below) would put keys back.
  auto ingest = start_ingest(group, "events", "own-feeds", {"ingest.refresh_feeds=false"});
  nf::redis::Connection redis(nf::redis::settings_from(nf::test::stack_config()));
  const auto key = [](uint64_t user) { return "feed:v1:" + std::to_string(user); };
  const auto cached = [&](uint64_t user) { return redis.command({"EXISTS", key(user)})->integer == 1; };
  const uint64_t liker = base + 1, commenter = base + 2, sharer = base + 3, viewer = base + 4;
  for (const auto user : {liker, commenter, sharer, viewer}) redis.command({"SET", key(user), "[]", "EX", "300"});

  const int64_t ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  const auto event = [&](uint64_t user, const std::string& action, int n) {
    return Json{{"event_id", "own-" + std::to_string(base) + "-" + std::to_string(user) + "-" + std::to_string(n)},
                {"user_id", user}, {"post_id", base + 100}, {"author_id", base + 50}, {"action", action}, {"ts", ts}}
        .dump();
  };
  {
    TestProducer producer;
    const std::string topic = nf::test::stack_config().get("kafka.events_topic");
    producer.produce(topic, std::to_string(viewer), event(viewer, "impression", 1));
    producer.produce(topic, std::to_string(viewer), event(viewer, "view", 2));
    producer.produce(topic, std::to_string(liker), event(liker, "like", 3));
    producer.produce(topic, std::to_string(commenter), event(commenter, "comment", 4));
    producer.produce(topic, std::to_string(sharer), event(sharer, "share", 5));
  }
  CHECK(wait_until(60s, [&]() -> std::string {
          for (const auto user : {liker, commenter, sharer})
            if (cached(user)) return "user " + std::to_string(user) + "'s feed is still cached";
          return "";
        }) == "");
  // The viewer's events were in the same flushes: their feed stayed.
  CHECK(wait_until(30s, [&]() -> std::string {
          return describe_difference("events", {"5"},
                                     ch_rows("SELECT uniqExact(event_id) AS n FROM events WHERE startsWith(event_id, 'own-" +
                                             std::to_string(base) + "-')"));
        }) == "");
  CHECK(cached(viewer));
  stop_ingest(*ingest);
}

TEST_CASE("ingest: a user's own like refreshes the feed they had cached (recomputed after the second pass, the liked "
          "post gone as SPEC §3 ranks it), and a user with no cached feed gets none",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  StackFeeds stack;

  // The scroller and the idle user follow an author with three posts of the last hour.
  const uint64_t base = unique_base();
  const uint64_t scroller = base + 1, idle = base + 2, author = base + 3;
  const uint64_t post_a = base + 10, post_b = base + 11, post_c = base + 12;
  write_followed_posts(author, {{post_a, 600}, {post_b, 1200}, {post_c, 1800}}, {scroller, idle});

  // The scroller's feed cached now (as their request would), holding the three posts.
  REQUIRE(stack.feeds.canary().ranked(scroller));
  REQUIRE(stack.feeds.warm(scroller, now_ms()).value_or(0) >= 3);
  const auto before = nf::feed::read_cached_feed(stack.pool, scroller);
  REQUIRE(before);
  for (const auto post : {post_a, post_b, post_c}) REQUIRE(feed_holds(*before, post));
  struct {
    uint64_t post_id, author_id;
  } const liked{post_a, author};
  // The idle user has no feed cached: liking does not make one for them.
  stack.redis.command({"DEL", StackFeeds::key(idle)});

  const std::string group = "ingest-refresh-" + std::to_string(base);
  start_group_at_end(group);
  auto ingest = start_ingest(group, "events", "refresh", {"ingest.reinvalidate_ms=1000"});
  REQUIRE(wait_for_assignment(*ingest, 60s));
  const int64_t liked_at = now_ms();
  {
    TestProducer producer;
    const std::string topic = stack.config.get("kafka.events_topic");
    for (const auto& [user, n] : {std::pair{scroller, 1}, std::pair{idle, 2}})
      producer.produce(topic, std::to_string(user),
                       event_json({"refresh-" + std::to_string(base) + "-" + std::to_string(n), user, liked.post_id,
                                   liked.author_id, "like", true},
                                  liked_at));
    producer.flush();
  }

  // Cached again, computed after the like, without the liked post (seen now).
  std::optional<nf::feed::CachedFeed> after;
  CHECK(wait_until(60s, [&]() -> std::string {
          after = nf::feed::read_cached_feed(stack.pool, scroller);
          if (!after) return "no feed cached for user " + std::to_string(scroller);
          if (after->computed_at_ms <= liked_at)
            return "the cached feed was computed at " + std::to_string(after->computed_at_ms) + ", before the like";
          return "";
        }) == "");
  REQUIRE(after);
  CHECK_FALSE(feed_holds(*after, post_a));
  CHECK(feed_holds(*after, post_b));
  CHECK(feed_holds(*after, post_c));
  CHECK(differs_from_fresh_ranking(stack.config, stack.pool, scroller, *after) == "");
  // The other liker's feed: still not cached (the refresh came after the same second pass).
  CHECK_FALSE(stack.cached(idle));

  const auto summary = stop_ingest(*ingest);
  CHECK(summary.at("metrics").at("feeds_refreshed").get<uint64_t>() >= 1);
  CHECK(summary.at("metrics").at("feed_refreshes_failed").get<uint64_t>() == 0);
}

TEST_CASE("ingest: a like consumed past ingest.refresh_max_age_ms (the ingest behind) invalidates the liker's feed "
          "but refreshes none, while a recent like in the same process does",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  StackFeeds stack;

  // Two scrollers of one author's three posts, both with a feed cached.
  const uint64_t base = unique_base();
  const uint64_t late = base + 1, recent = base + 2, author = base + 3;
  const uint64_t post_a = base + 10, post_b = base + 11, post_c = base + 12;
  write_followed_posts(author, {{post_a, 600}, {post_b, 1200}, {post_c, 1800}}, {late, recent});
  for (const auto user : {late, recent}) REQUIRE(stack.feeds.canary().ranked(user));
  REQUIRE(stack.feeds.warm_batch({late, recent}, now_ms()).size() == 2);
  const std::string topic = stack.config.get("kafka.events_topic");
  const auto like = [&](uint64_t user, int64_t at) {
    TestProducer producer;
    producer.produce(topic, std::to_string(user),
                     event_json({"refresh-late-" + std::to_string(base) + "-" + std::to_string(user), user, post_a,
                                 author, "like", true},
                                at));
    producer.flush();
  };

  // The late like waits in Kafka 2.5 s before an ingest with a 1 s limit reads it.
  const std::string group = "ingest-refresh-late-" + std::to_string(base);
  start_group_at_end(group);
  like(late, now_ms());
  std::this_thread::sleep_for(2500ms);
  auto ingest = start_ingest(group, "events", "refresh-late",
                             {"ingest.reinvalidate_ms=1000", "ingest.refresh_max_age_ms=1000"});
  REQUIRE(wait_for_assignment(*ingest, 60s));
  CHECK(wait_until(60s, [&]() -> std::string {
          return stack.cached(late) ? "user " + std::to_string(late) + "'s feed is still cached" : "";
        }) == "");

  // The recent like, read at once, is refreshed after its second pass; by then the late
  // one's refresh, were there one, would be done (it was pushed first).
  const int64_t recent_at = now_ms();
  like(recent, recent_at);
  CHECK(wait_until(60s, [&]() -> std::string {
          const auto feed = nf::feed::read_cached_feed(stack.pool, recent);
          if (!feed) return "no feed cached for user " + std::to_string(recent);
          if (feed->computed_at_ms <= recent_at) return "user " + std::to_string(recent) + "'s feed predates the like";
          return "";
        }) == "");
  std::this_thread::sleep_for(1500ms);
  CHECK_FALSE(stack.cached(late));

  const auto summary = stop_ingest(*ingest);
  CHECK(summary.at("metrics").at("feed_refreshes_late").get<uint64_t>() == 1);
  CHECK(summary.at("metrics").at("feeds_refreshed").get<uint64_t>() == 1);
  CHECK_FALSE(stack.cached(late));
}

TEST_CASE("ingest: two processes in one group refresh the cached feed of every user who liked, whichever consumed "
          "the like, and make none for a user who had none",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_pipeline();
  StackFeeds stack;

  // The run's own events topic of four partitions (and dead-letter topic), deleted at the end.
  constexpr int32_t kPartitions = 4;
  const uint64_t base = unique_base();
  const std::string run = "ingest-refresh-pair-" + std::to_string(base);
  const std::string events_topic = run + "-events", dlq_topic = run + "-dlq";
  const nf::test::ScratchTopics topics({events_topic, dlq_topic}, kPartitions);
  const RunPostsRemoved posts_removed(base);

  // On every partition two scrollers (a feed cached) and an idle user (none), by the
  // partition their key (the user id) goes to: librdkafka's default partitioner.
  const auto partition_of = [](uint64_t user) {
    const std::string text = std::to_string(user);
    return rd_kafka_msg_partitioner_consistent(nullptr, text.data(), text.size(), kPartitions, nullptr, nullptr);
  };
  std::map<int32_t, std::vector<uint64_t>> scrollers_on, idle_on;
  const auto all_chosen = [&] {
    for (int32_t partition = 0; partition < kPartitions; ++partition)
      if (!idle_on.contains(partition)) return false;  // an idle user comes after the two scrollers
    return true;
  };
  for (uint64_t user = base + 1; user < base + 400 && !all_chosen(); ++user) {
    if (!stack.feeds.canary().ranked(user)) continue;
    const int32_t partition = partition_of(user);
    if (scrollers_on[partition].size() < 2) scrollers_on[partition].push_back(user);
    else if (!idle_on.contains(partition)) idle_on[partition] = {user};
  }
  std::vector<uint64_t> scrollers, idle;
  for (const auto& [partition, users] : scrollers_on) scrollers.insert(scrollers.end(), users.begin(), users.end());
  for (const auto& [partition, users] : idle_on) idle.insert(idle.end(), users.begin(), users.end());
  REQUIRE(scrollers_on.size() == static_cast<size_t>(kPartitions));
  REQUIRE(scrollers.size() == 2 * static_cast<size_t>(kPartitions));
  REQUIRE(idle.size() == static_cast<size_t>(kPartitions));

  // Everyone follows an author with three posts of the last hour.
  const uint64_t author = base + 500;
  const std::vector<uint64_t> posts = {base + 600, base + 601, base + 602};
  std::vector<uint64_t> everyone = scrollers;
  everyone.insert(everyone.end(), idle.begin(), idle.end());
  write_followed_posts(author, {{posts[0], 600}, {posts[1], 1200}, {posts[2], 1800}}, everyone);

  // The scrollers' feeds cached now, each holding the three posts; the idle users' not.
  REQUIRE(stack.feeds.warm_batch(scrollers, now_ms()).size() == scrollers.size());
  for (const auto user : scrollers) {
    const auto before = nf::feed::read_cached_feed(stack.pool, user);
    REQUIRE(before);
    for (const auto post : posts) REQUIRE(feed_holds(*before, post));
  }
  for (const auto user : idle) stack.redis.command({"DEL", StackFeeds::key(user)});

  // Two ingest processes of one group over the run's topic, each holding partitions.
  const std::string group = run;
  const std::vector<std::string> settings = {"ingest.reinvalidate_ms=1000", "kafka.events_topic=" + events_topic,
                                             "ingest.events_dlq_topic=" + dlq_topic};
  auto first = start_ingest(group, "events", "refresh-pair-a", settings);
  auto second = start_ingest(group, "events", "refresh-pair-b", settings);
  REQUIRE(wait_until(60s, [&]() -> std::string {
            const auto description = nf::test::describe_group(group);
            std::string text = description.state + ":";
            size_t holding = 0, partitions = 0;
            for (const auto& member : description.members) {
              text += " " + std::to_string(member.partitions.size());
              holding += member.partitions.empty() ? 0 : 1;
              partitions += member.partitions.size();
            }
            const bool both = holding == 2 && partitions == static_cast<size_t>(kPartitions);
            return description.state == "Stable" && both ? "" : text;
          }) == "");

  // Each user likes one of the posts: the idle users first, so that on every partition
  // their like is in the same flush as the scrollers' or an earlier one.
  std::map<uint64_t, uint64_t> liked;  // user → post
  for (size_t i = 0; i < scrollers.size(); ++i) liked[scrollers[i]] = posts[i % 2];
  for (const auto user : idle) liked[user] = posts[0];
  const int64_t liked_at = now_ms();
  {
    TestProducer producer;
    std::vector<std::pair<uint64_t, const TestProducer::Delivered*>> sent;
    for (const auto& users : {idle, scrollers})
      for (const auto user : users)
        sent.emplace_back(user, &producer.produce(events_topic, std::to_string(user),
                                                  event_json({run + "-" + std::to_string(user), user, liked[user],
                                                              author, "like", true},
                                                             liked_at)));
    producer.flush();
    for (const auto& [user, delivered] : sent) {
      INFO("user " << user);
      REQUIRE(delivered->partition == partition_of(user));
    }
  }

  // Every scroller's feed cached again, computed after the like, whichever process read it.
  std::map<uint64_t, nf::feed::CachedFeed> after;
  CHECK(wait_until(90s, [&]() -> std::string {
          for (const auto user : scrollers) {
            auto feed = nf::feed::read_cached_feed(stack.pool, user);
            if (!feed) return "no feed cached for user " + std::to_string(user);
            if (feed->computed_at_ms <= liked_at)
              return "user " + std::to_string(user) + "'s cached feed was computed at " +
                     std::to_string(feed->computed_at_ms) + ", before the like";
            after[user] = std::move(*feed);
          }
          return "";
        }) == "");
  REQUIRE(after.size() == scrollers.size());
  // Each without the post its user liked (seen now), with the other two, and equal to the
  // feed ranked at its computed_at from scratch.
  for (const auto user : scrollers) {
    INFO("user " << user << " (partition " << partition_of(user) << ") liked post " << liked[user]);
    const auto& feed = after.at(user);
    for (const auto post : posts) CHECK(feed_holds(feed, post) == (post != liked[user]));
    CHECK(differs_from_fresh_ranking(stack.config, stack.pool, user, feed) == "");
  }
  const auto none_for_idle = [&]() {
    for (const auto user : idle) {
      INFO("idle user " << user << " (partition " << partition_of(user) << ")");
      CHECK_FALSE(stack.cached(user));
    }
  };
  none_for_idle();

  // Both processes consumed likes and refreshed feeds: every partition had scrollers.
  const auto a = stop_ingest(*first);
  const auto b = stop_ingest(*second);
  none_for_idle();
  const auto refreshed_a = a.at("metrics").at("feeds_refreshed").get<uint64_t>();
  const auto refreshed_b = b.at("metrics").at("feeds_refreshed").get<uint64_t>();
  CHECK(refreshed_a >= 1);
  CHECK(refreshed_b >= 1);
  CHECK(refreshed_a + refreshed_b >= scrollers.size());
  CHECK(a.at("metrics").at("feed_refreshes_failed").get<uint64_t>() == 0);
  CHECK(b.at("metrics").at("feed_refreshes_failed").get<uint64_t>() == 0);
}
