#!/usr/bin/env python3
"""A population of app users in sessions, against a running `serve --with-ingest`.

    sessions.py USERS TOKENS BASE_URL SECONDS [--seed N] [--item-s 3] [--page 20]
                [--pages-mean 5] [--gap-mean-s 600] [--flush-s 10] [--workers 32]
                [--actions seed|impressions]

USERS: lines "user_id"; TOKENS: lines "user_id<TAB>jwt"; BASE_URL: http://host:port.

Each user alternates sessions and gaps, independently of the others (a renewal process;
every user starts at a random point of it, so the population is in its steady state from
the first second). A session is what the app does:

  - opens: GET /api/v1/feed?limit=PAGE;
  - scrolls: one item every ITEM_S seconds, each an `impression` of the post shown, and
    with the seed's own odds per impression (`--actions seed`: the seed's event mix of 70 %
    impressions, 20 % views, 6 % likes, 2 % comments, 2 % shares) a view, like, comment
    or share of it; the app sends what happened every FLUSH_S seconds
    (POST /api/v1/events, one batch);
  - at the end of a page: GET /api/v1/feed?limit=PAGE&cursor=<next_cursor>, unless the
    session ends there (the number of pages is geometric, mean PAGES_MEAN) or the list
    has no next page (then the session ends too);
  - after a session, a gap (exponential, mean GAP_MEAN_S) until the next open.

Every choice is drawn from one generator seeded by --seed, per user, so two runs with the
same seed make the same choices (the times follow the server's answers).

Each feed answer is classified on the client:
  first    the first request of a session (a cold open);
  after_own the user liked, commented or shared since their previous request (SPEC §4: that
           invalidates their cached feed);
  page     any other paging request.
and the output is one JSON line: per class the requests, `cached` answers, ranked and
timeline answers, plus errors, events sent / accepted, and the requests sent over 1 s late
(a client that cannot keep up would flatter no one, it is reported).
"""
import argparse
import heapq
import json
import random
import threading
import time
import urllib.error
import urllib.request

SEED_MIX = (("view", 20 / 70), ("like", 6 / 70), ("comment", 2 / 70), ("share", 2 / 70))
INVALIDATING = {"like", "comment", "share"}


class User:
    def __init__(self, user_id, token, rng):
        self.id = user_id
        self.token = token
        self.rng = rng
        self.items = []          # the page being scrolled: post ids
        self.cursor = None
        self.pages_left = 0
        self.pending = []        # events not yet sent
        self.own_since_request = False
        self.event_n = 0
        self.busy = threading.Lock()  # one action of a user at a time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("users")
    p.add_argument("tokens")
    p.add_argument("base")
    p.add_argument("seconds", type=float)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--item-s", type=float, default=3.0)
    p.add_argument("--page", type=int, default=20)
    p.add_argument("--pages-mean", type=float, default=5.0)
    p.add_argument("--gap-mean-s", type=float, default=600.0)
    p.add_argument("--flush-s", type=float, default=10.0)
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--actions", choices=("seed", "impressions"), default="seed")
    p.add_argument("--warmup-s", type=float, default=120.0)
    a = p.parse_args()

    tokens = dict(line.rstrip("\n").split("\t", 1) for line in open(a.tokens) if "\t" in line)
    ids = [line.strip() for line in open(a.users) if line.strip()]
    run = f"{a.seed}-{int(time.time())}"
    session_s = a.pages_mean * a.page * a.item_s
    start = time.time() + 1.0
    counted_from = start + a.warmup_s  # what happens before is not counted: the steady state
    end = counted_from + a.seconds

    # The schedule: (when, sequence, user, what). Workers take what is due.
    heap, seq = [], [0]
    lock = threading.Condition()

    def schedule(at, user, what):
        with lock:
            seq[0] += 1
            heapq.heappush(heap, (at, seq[0], user, what))
            lock.notify()

    users = []
    for uid in ids:
        rng = random.Random(f"{a.seed}:{uid}")
        user = User(uid, tokens[uid], rng)
        users.append(user)
        # Steady state: in a session with the share of time sessions take, else in a gap.
        if rng.random() < session_s / (session_s + a.gap_mean_s):
            schedule(start + rng.uniform(0, a.page * a.item_s), user, "open")  # mid-session: opens now-ish
        else:
            schedule(start + rng.expovariate(1 / a.gap_mean_s), user, "open")

    classes = ("first", "after_own", "page")
    counts = {c: {"requests": 0, "cached": 0, "ranked": 0, "timeline": 0} for c in classes}
    totals = {"errors": 0, "late": 0, "events_sent": 0, "events_accepted": 0, "event_errors": 0, "sessions": 0}

    def bump(key, n=1):
        with lock:
            totals[key] += n

    def call(method, path, token, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(a.base + path, data=data, method=method,
                                         headers={"Authorization": "Bearer " + token,
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def flush(user):
        if not user.pending:
            return
        batch, user.pending = user.pending[:100], user.pending[100:]
        try:
            answer = call("POST", "/api/v1/events", user.token, batch)
            bump("events_sent", len(batch))
            bump("events_accepted", answer.get("accepted", 0))
        except Exception:
            bump("event_errors", len(batch))

    def request_feed(user, kind):
        path = f"/api/v1/feed?limit={a.page}"
        if kind != "first" and user.cursor:
            path += "&cursor=" + user.cursor
        klass = "first" if kind == "first" else ("after_own" if user.own_since_request else "page")
        user.own_since_request = False
        counted = time.time() >= counted_from
        try:
            body = call("GET", path, user.token)
        except Exception:
            if counted:
                bump("errors")
            return None
        if not counted:
            return body
        with lock:
            c = counts[klass]
            c["requests"] += 1
            c["cached"] += bool(body.get("cached"))
            c["timeline" if body.get("algo") == "timeline" else "ranked"] += 1
        return body

    def show_page(user, body, now):
        user.items = [item["post_id"] for item in (body or {}).get("items", [])]
        user.cursor = (body or {}).get("next_cursor")
        if not user.items:
            end_session(user, now)
            return
        t = now
        for i, post in enumerate(user.items):
            t += a.item_s
            user.event_n += 1
            events = [("impression", post)]
            if a.actions == "seed":
                roll, edge = user.rng.random(), 0.0
                for action, odds in SEED_MIX:
                    edge += odds
                    if roll < edge:
                        events.append((action, post))
                        break
            for action, post_id in events:
                user.event_n += 1
                event = {"event_id": f"sess-{run}-{user.id}-{user.event_n}", "post_id": post_id,
                         "action": action, "ts": int(t * 1000)}
                if action == "view":
                    event["dwell_ms"] = int(a.item_s * 1000)
                schedule(t, user, ("event", event))
        # The app sends what happened every FLUSH_S s and when the page ends.
        f = now + a.flush_s
        while f < t:
            schedule(f, user, "flush")
            f += a.flush_s
        schedule(t + 0.01, user, "page_end")

    def end_session(user, now):
        schedule(now + user.rng.expovariate(1 / a.gap_mean_s), user, "open")

    def worker():
        while True:
            with lock:
                while True:
                    if not heap:
                        return
                    at, _, user, what = heap[0]
                    if at > end:
                        return
                    delay = at - time.time()
                    if delay <= 0:
                        heapq.heappop(heap)
                        break
                    lock.wait(min(delay, 0.5))
            with user.busy:
                act(user, what, delay)

    def act(user, what, delay):
        if delay < -1.0 and what in ("open", "page_end") and time.time() >= counted_from:
            bump("late")
        now = time.time()
        if what == "open":
            if now >= counted_from:
                bump("sessions")
            user.pages_left = 1  # geometric, mean PAGES_MEAN
            while user.rng.random() < 1 - 1 / a.pages_mean:
                user.pages_left += 1
            user.own_since_request = False
            show_page(user, request_feed(user, "first"), now)
        elif what == "flush":
            flush(user)
        elif what == "page_end":
            flush(user)
            user.pages_left -= 1
            if user.pages_left <= 0 or not user.cursor:
                end_session(user, now)
            else:
                show_page(user, request_feed(user, "next"), now)
        else:  # ("event", e): what the user did, kept until the next flush
            event = what[1]
            user.pending.append(event)
            if event["action"] in INVALIDATING:
                user.own_since_request = True

    threads = [threading.Thread(target=worker) for _ in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    requests = sum(c["requests"] for c in counts.values())
    cached = sum(c["cached"] for c in counts.values())
    print(json.dumps({"requests": requests, "cached": cached, "hit_share": round(cached / requests, 4) if requests else 0,
                      "by_class": counts, **totals, "users": len(users)}))


if __name__ == "__main__":
    main()
