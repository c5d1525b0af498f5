#!/usr/bin/env python3
"""Replays feed requests at their (compressed) times and counts the answers.

    replay.py PLAN TOKENS URL COMPRESS CONNECTIONS [GRACE_S]

PLAN: lines "user_id<TAB>epoch_s" in order; TOKENS: lines "user_id<TAB>jwt". Request i is
sent at start + (epoch_s[i] - epoch_s[0]) / COMPRESS by one of CONNECTIONS workers (a late
request is sent at once). A request still unsent GRACE_S (default 60) after the plan's end
is dropped: a server that cannot keep up does not stretch the run without bound. Prints
one JSON line: requests, cached (answers with "cached":true), ranked, timeline, errors,
late (sent over 1 s after their time), unsent (dropped at the deadline).
"""
import json
import sys
import threading
import time
import urllib.request
from queue import Queue


def main():
    plan_path, tokens_path, url, compress, connections = sys.argv[1:6]
    compress, connections = float(compress), int(connections)
    grace = float(sys.argv[6]) if len(sys.argv) > 6 else 60.0
    tokens = dict(line.rstrip("\n").split("\t", 1) for line in open(tokens_path) if "\t" in line)
    plan = [line.split("\t") for line in open(plan_path) if line.strip()]
    first = int(plan[0][1])
    start = time.time() + 1.0
    work = Queue()
    for user, ts in plan:
        work.put((start + (int(ts) - first) / compress, tokens[user]))
    deadline = start + (int(plan[-1][1]) - first) / compress + grace
    counts = {"requests": 0, "cached": 0, "ranked": 0, "timeline": 0, "errors": 0, "late": 0, "unsent": 0}
    lock = threading.Lock()

    def worker():
        while True:
            try:
                at, token = work.get_nowait()
            except Exception:
                return
            if time.time() > deadline:
                with lock:
                    counts["unsent"] += 1
                continue
            delay = at - time.time()
            if delay > 0:
                time.sleep(delay)
            late = delay < -1.0
            request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = json.loads(response.read())
                key = "timeline" if body.get("algo") == "timeline" else "ranked"
                with lock:
                    counts["requests"] += 1
                    counts["late"] += late
                    counts[key] += 1
                    counts["cached"] += bool(body.get("cached"))
            except Exception:
                with lock:
                    counts["requests"] += 1
                    counts["errors"] += 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
