"""Background-work benchmark: outbox jobs per second of one worker, its memory, commit → email latency.

    .venv/bin/python bench/jobs_throughput.py [--tickets 400] [--rate-share 0.6] [--seconds 20]
                                              [--rate 4.6] [--fork] [--batch-size 50]

Needs Redis on 127.0.0.1:6379 (uses database 13, emptied first). Everything else is
made here (bench/jobslib.py): a fresh SQLite database (real migrations), an SMTP sink
(aiosmtpd) on loopback that timestamps what it receives, and `worker.py` processes.
Each inquiry makes three outbox events: the in-app notification (queue `default`), the
confirmation email (`email`) and the search update (`search`, which production gives a
worker of its own; README, *Search*).

Phase 1 (throughput): N inquiries are filed first, then one `worker.py --burst --queues
default email` drains the in-app and email jobs; jobs/s = 2N / drain time, and the
worker's peak RSS (VmHWM) is read while it runs. Then `--queues search` drains the
search updates (reported on their own line).
Phase 2 (latency): a `default email` worker and a `search` worker run while inquiries are
filed at a share of the measured rate for a fixed time; for each, commit → email received.

`--fork` runs the workers with RQ's forking Worker (a work horse per job, as before);
`--batch-size` sets JOB_BATCH_SIZE (1: every outbox job alone).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jobslib import REDIS_URL, ROOT, Desk, bench_env, peak_rss_mib, start_sink  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def drain(queues: list[str], env: dict, log_path: Path, extra: list[str]) -> tuple[float, float]:
    """Run `worker.py --burst` on ``queues`` to the end: (seconds, peak RSS MiB of the worker)."""
    peak = 0.0
    start = time.monotonic()
    with open(log_path, "w") as log:
        worker = subprocess.Popen([sys.executable, "worker.py", "--burst", "--queues", *queues, *extra],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        while worker.poll() is None:
            peak = max(peak, peak_rss_mib(worker.pid) or 0.0)
            time.sleep(0.1)
    seconds = time.monotonic() - start
    if worker.returncode:
        raise SystemExit(f"worker.py exited {worker.returncode}; see {log_path}")
    return seconds, peak


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--rate-share", type=float, default=0.6)
    parser.add_argument("--rate", type=float, default=None,
                        help="phase 2: inquiries per second (instead of a share of the measured rate)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fork", action="store_true", help="RQ's forking Worker (a work horse per job)")
    parser.add_argument("--batch-size", type=int, default=None, help="JOB_BATCH_SIZE for the workers")
    args = parser.parse_args()

    sink, controller, port = start_sink()
    tmp, env = bench_env(port)
    if args.batch_size is not None:
        env["JOB_BATCH_SIZE"] = str(args.batch_size)
    extra = ["--fork"] if args.fork else []
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    desk = Desk()

    from app.extensions import db

    # Phase 1: a backlog, then one worker drains the in-app and email jobs.
    for i in range(args.tickets):
        desk.file_one(i)
    db.session.remove()
    jobs = 2 * args.tickets
    seconds, peak = drain(["default", "email"], env, tmp / "worker.log", extra)
    rate = jobs / seconds
    assert len(sink.received) == args.tickets, \
        f"{len(sink.received)} emails for {args.tickets} tickets; see {tmp / 'worker.log'}"
    search_seconds, search_peak = drain(["search"], env, tmp / "search-worker.log", extra)

    # Phase 2: steady load below that rate, the two workers of a production layout running.
    sink.received.clear()
    desk.committed.clear()
    workers = [subprocess.Popen([sys.executable, "worker.py", "--no-scheduler", "--queues", *queues, *extra],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for queues in (["default", "email"], ["search"])]
    try:
        time.sleep(2)
        interval = 1.0 / (args.rate or rate / 2 * args.rate_share)
        began_load = time.monotonic()
        end = began_load + args.seconds
        i = 0
        while time.monotonic() < end:
            began = time.monotonic()
            desk.file_one(100_000 + i)
            i += 1
            time.sleep(max(0.0, interval - (time.monotonic() - began)))
        filed_rate = i / (time.monotonic() - began_load)
        deadline = time.monotonic() + 60
        while len(sink.received) < i and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        # Never leave a worker behind: it would take the next run's jobs.
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
    controller.stop()
    latencies = []
    for subject, received in sink.received.items():
        number = next((n for n in desk.committed if n in subject), None)
        if number:
            latencies.append((received - desk.committed[number]) * 1000)
    mode = "forking Worker" if args.fork else "SimpleWorker"
    batch = env.get("JOB_BATCH_SIZE") or "default"
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"{datetime.now(UTC):%Y-%m-%d}, SQLite, Redis 127.0.0.1, SMTP sink on loopback; "
          f"worker.py {mode}, JOB_BATCH_SIZE {batch}")
    print("| measure | value |\n|---|---:|")
    print(f"| jobs/s, one worker draining {jobs} jobs ({args.tickets} in-app + {args.tickets} email) "
          f"| {rate:.1f} |")
    print(f"| email jobs/s (each with its notification job) | {rate / 2:.1f} |")
    print(f"| that worker's peak RSS (VmHWM) | {peak:.0f} MiB |")
    print(f"| search updates/s, the `search` worker draining {args.tickets} (peak RSS {search_peak:.0f} MiB) "
          f"| {args.tickets / search_seconds:.1f} |")
    print(f"| steady load: inquiries filed (asked for {1 / interval:.1f}/s) | {i} at {filed_rate:.1f}/s |")
    print(f"| commit → email received, median | {statistics.median(latencies):.0f} ms |")
    print(f"| commit → email received, p95 | {percentile(latencies, 0.95):.0f} ms |")
    print(f"| emails received / filed | {len(latencies)} / {i} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
