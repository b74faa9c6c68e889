#!/usr/bin/env python3
"""Shard one large `keras-replay predict` over the workers of a Dask cluster.

    shard_replay.py CHECKPOINT INPUT.npy OUTPUT.npy [--workers N] [--shards K]
        [--scheduler ADDRESS] [--keras-replay PATH] [--chunk-rows N] [--threads T] [--check] [--json]

1. allocate: `keras-replay predict CHECKPOINT --input INPUT --output-into OUTPUT --allocate`
   once, on the client (a float32 .npy of zeros sized for every input row);
2. shard: the rows 0..n are cut into K contiguous slices a:b;
3. fill: one Dask task per slice runs `keras-replay predict ... --rows a:b --output-into OUTPUT
   --no-progress` in a subprocess on its worker; each process writes only its own rows;
4. gather: the client waits for every future (the first failure cancels the rest, removes the
   half-filled output and is raised with the tool's own error line) and reports rows, seconds
   and rows/s.

Nothing here schedules, queues or talks to workers on its own: that is Dask's (client.submit,
as_completed). Without --scheduler a LocalCluster of --workers single-threaded processes runs on
this machine; --scheduler HOST:8786 uses an existing cluster instead, and then the checkpoint,
the input, the output and the keras-replay binary must be at the same absolute paths on every
worker (a shared file system: NFS, Lustre, a mounted bucket that supports writes at offsets).

A stateful model is refused: its state runs through all rows in order, so its rows are not
independent shards (keras-replay itself refuses a stateful slice that does not start at row 0).

--check also runs the whole replay in one keras-replay process and compares the two outputs bit
for bit (exit 1 if they differ). Run it with Scripts/shard-replay.sh, which makes the venv.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tool_error(stderr: str) -> str:
    """The line keras-replay wrote about its failure (the last non-empty stderr line)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("keras-replay:") or "Error" in line:
            return line
    return lines[-1] if lines else "(no message on stderr)"


def replay_shard(binary: str, checkpoint: str, input_path: str, output: str, start: int, end: int,
                 extra: list[str]) -> dict:
    """One Dask task: replay rows start:end into the shared output in a keras-replay subprocess.

    Runs on a worker; uses only the standard library there (cloudpickle ships this function).
    Wrapped in GNU time (/usr/bin/time) when the worker has it, for the process's peak RSS.
    """
    import os
    import socket
    import subprocess
    import tempfile
    import time

    command = [binary, "predict", checkpoint, "--input", input_path, "--rows", f"{start}:{end}",
               "--output-into", output, "--no-progress", *extra]
    rss_file = None
    if os.access("/usr/bin/time", os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="keras-replay-rss-")
        os.close(fd)
        command = ["/usr/bin/time", "-f", "%M", "-o", rss_file, *command]
    began = time.perf_counter()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - began
        peak_kib = None
        if rss_file:
            with open(rss_file) as handle:
                numbers = [line.strip() for line in handle if line.strip().isdigit()]
            peak_kib = int(numbers[-1]) if numbers else None
    finally:
        if rss_file:
            os.unlink(rss_file)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        said = [line for line in lines if line.startswith("keras-replay:")]
        message = said[-1] if said else (lines[-1] if lines else f"exit code {done.returncode}")
        raise RuntimeError(f"rows {start}:{end} on {socket.gethostname()}: {message}")
    try:
        from distributed import get_worker
        worker = get_worker().address
    except Exception:  # not inside a Dask worker (e.g. a direct call)
        worker = f"{socket.gethostname()}:{os.getpid()}"
    return {"start": start, "end": end, "seconds": seconds, "peak_rss_kib": peak_kib,
            "worker": worker, "host": socket.gethostname()}


def run_tool(command: list[str], what: str) -> subprocess.CompletedProcess:
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"shard_replay: {what} failed: {tool_error(done.stderr)}")
    return done


def run_measured(command: list[str], what: str) -> tuple[float, int | None]:
    """Run a keras-replay command on the client: seconds and peak RSS (KiB, via GNU time if any)."""
    rss_file = None
    if os.access("/usr/bin/time", os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="keras-replay-rss-")
        os.close(fd)
        command = ["/usr/bin/time", "-f", "%M", "-o", rss_file, *command]
    try:
        began = time.perf_counter()
        run_tool(command, what)
        seconds = time.perf_counter() - began
        peak = None
        if rss_file:
            with open(rss_file) as handle:
                numbers = [line.strip() for line in handle if line.strip().isdigit()]
            peak = int(numbers[-1]) if numbers else None
    finally:
        if rss_file:
            os.unlink(rss_file)
    return seconds, peak


def stateful_layers(node, path: str = "") -> list[str]:
    """Names of the layers whose settings say stateful: true, anywhere in `inspect --json`."""
    found = []
    if isinstance(node, dict):
        settings = node.get("settings")
        if isinstance(settings, dict) and settings.get("stateful") is True:
            found.append(str(node.get("name", path or "?")))
        for key, value in node.items():
            found += stateful_layers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += stateful_layers(value, f"{path}[{index}]")
    return found


def default_binary() -> str:
    if os.environ.get("KERAS_REPLAY_BIN"):
        return os.environ["KERAS_REPLAY_BIN"]
    on_path = shutil.which("keras-replay")
    if on_path:
        return on_path
    return str(Path(__file__).resolve().parent.parent / ".build" / "release" / "keras-replay")


def shard_bounds(rows: int, shards: int) -> list[tuple[int, int]]:
    shards = max(1, min(shards, rows))
    cuts = [rows * index // shards for index in range(shards + 1)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def compare_outputs(sharded: str, single: str) -> tuple[bool, str]:
    """Bit for bit: the two files, then (if they differ) the arrays' float32 bit patterns."""
    import numpy as np
    if filecmp.cmp(sharded, single, shallow=False):
        return True, f"identical files ({os.path.getsize(sharded):,} bytes, header and data)"
    a = np.load(sharded, mmap_mode="r")
    b = np.load(single, mmap_mode="r")
    if a.shape != b.shape or a.dtype != b.dtype:
        return False, f"shapes differ: {a.shape} {a.dtype} against {b.shape} {b.dtype}"
    step = max(1, (64 << 20) // max(1, a[:1].nbytes))
    for start in range(0, a.shape[0], step):
        x = np.ascontiguousarray(a[start:start + step]).view(np.uint32)
        y = np.ascontiguousarray(b[start:start + step]).view(np.uint32)
        if not np.array_equal(x, y):
            row = start + int(np.argwhere((x != y).reshape(x.shape[0], -1).any(axis=1))[0][0])
            diff = float(np.max(np.abs(a[row].astype(np.float64) - b[row].astype(np.float64))))
            return False, f"first differing row {row} (max abs difference there {diff:g})"
    return True, "same float32 bits in every element (headers differ)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Shard one keras-replay predict over the workers of a Dask cluster "
                    "(a LocalCluster, or an existing one with --scheduler).")
    parser.add_argument("checkpoint", help="Keras .h5 checkpoint (same path on every worker)")
    parser.add_argument("input", help="input .npy, batch first (same path on every worker)")
    parser.add_argument("output", help="output .npy to create (same path on every worker)")
    parser.add_argument("--workers", type=int, default=2,
                        help="LocalCluster worker processes, one thread each (default 2)")
    parser.add_argument("--shards", type=int, default=None,
                        help="contiguous row slices, one Dask task each (default 4 x workers)")
    parser.add_argument("--scheduler", default=None,
                        help="address of an existing Dask scheduler (e.g. tcp://host:8786) "
                             "instead of a LocalCluster")
    parser.add_argument("--keras-replay", dest="binary", default=default_binary(),
                        help="the keras-replay binary (same path on every worker; default "
                             "$KERAS_REPLAY_BIN, else keras-replay on PATH, else "
                             ".build/release/keras-replay)")
    parser.add_argument("--chunk-rows", type=int, default=None,
                        help="passed to every keras-replay predict")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="passed to every keras-replay predict")
    parser.add_argument("--threads", type=int, default=None,
                        help="passed to every keras-replay predict (1 when each core runs its own worker)")
    parser.add_argument("--retries", type=int, default=0,
                        help="Dask retries of a failed shard (default 0)")
    parser.add_argument("--check", action="store_true",
                        help="also replay in one process and compare bit for bit")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON line")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary) if os.sep in args.binary else args.binary
    if shutil.which(binary) is None:
        sys.exit(f"shard_replay: no keras-replay binary at {binary} (--keras-replay PATH)")
    checkpoint, input_path, output = (os.path.abspath(p) for p in (args.checkpoint, args.input, args.output))
    if not output.endswith(".npy"):
        sys.exit("shard_replay: the output must be an .npy file (--output-into writes .npy)")
    if args.workers < 1 or (args.shards is not None and args.shards < 1):
        sys.exit("shard_replay: --workers and --shards must be positive")
    extra = []
    if args.chunk_rows:
        extra += ["--chunk-rows", str(args.chunk_rows)]
    if args.batch_size:
        extra += ["--batch-size", str(args.batch_size)]
    if args.threads:
        extra += ["--threads", str(args.threads)]

    # Stateful models: their state runs through every row, in order; no shards.
    inspected = json.loads(run_tool([binary, "inspect", "--json", checkpoint], "inspect").stdout)
    stateful = stateful_layers(inspected)
    if stateful:
        sys.exit(f"shard_replay: {checkpoint}: layer {', '.join(sorted(set(stateful)))} is stateful: "
                 "its state runs through all rows in order, so they cannot be replayed as "
                 "independent shards; replay it in one process (keras-replay predict --input ... "
                 "--output ...), which streams it")

    import numpy as np
    rows = int(np.load(input_path, mmap_mode="r").shape[0])
    if rows == 0:
        sys.exit(f"shard_replay: {input_path} has no rows")

    from dask.distributed import Client, LocalCluster, as_completed

    began = time.perf_counter()
    if args.scheduler:
        cluster = None
        client = Client(args.scheduler)
    else:
        # One thread per worker process: each worker runs one keras-replay at a time.
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    cluster_seconds = time.perf_counter() - began
    slots = sum(client.nthreads().values())
    workers = len(client.nthreads())
    shards = shard_bounds(rows, args.shards or 4 * max(1, slots))
    log(f"{rows:,} rows in {len(shards)} shards over {workers} workers ({slots} threads); "
        f"cluster {'at ' + args.scheduler if args.scheduler else 'started'} in {cluster_seconds:.2f} s")

    results = []
    failed = None
    try:
        began = time.perf_counter()
        run_tool([binary, "predict", checkpoint, "--input", input_path, "--output-into", output,
                  "--allocate"], "allocate")
        allocate_seconds = time.perf_counter() - began
        token = uuid.uuid4().hex[:8]
        futures = [client.submit(replay_shard, binary, checkpoint, input_path, output, a, b, extra,
                                 key=f"keras-replay-{a}-{b}-{token}", pure=False,
                                 retries=args.retries)
                   for a, b in shards]
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as error:  # the first failure: stop the others
                failed = error
                client.cancel(futures)
                break
            results.append(result)
            log(f"  shard {len(results)}/{len(shards)} rows {result['start']}:{result['end']} "
                f"{result['seconds']:.2f} s on {result['worker']}")
        sharded_seconds = time.perf_counter() - began
        worker_memory = {}  # RSS of the Dask worker processes themselves, now (not keras-replay's)
        if failed is None:
            try:
                info = client.scheduler_info(n_workers=-1)  # older distributed lists 5 by default
            except TypeError:
                info = client.scheduler_info()
            worker_memory = {address: w.get("metrics", {}).get("memory")
                             for address, w in info.get("workers", {}).items()}
    except KeyboardInterrupt:
        failed = KeyboardInterrupt("interrupted")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if failed is not None:
        if os.path.exists(output):
            os.unlink(output)
        log(f"shard_replay: failed, {output} removed: {failed}")
        return 1

    per_worker: dict[str, dict] = {}
    for result in results:
        entry = per_worker.setdefault(result["worker"], {"shards": 0, "rows": 0, "seconds": 0.0,
                                                         "peak_rss_kib": None})
        entry["shards"] += 1
        entry["rows"] += result["end"] - result["start"]
        entry["seconds"] += result["seconds"]
        if result["peak_rss_kib"] is not None:
            entry["peak_rss_kib"] = max(entry["peak_rss_kib"] or 0, result["peak_rss_kib"])
        entry["dask_worker_rss_bytes"] = worker_memory.get(result["worker"])
    shard_seconds = [r["seconds"] for r in results]
    report = {
        "checkpoint": checkpoint, "input": input_path, "output": output, "rows": rows,
        "shards": len(shards), "workers": workers, "threads": slots,
        "scheduler": args.scheduler or f"LocalCluster({args.workers} processes x 1 thread)",
        "cluster_start_seconds": round(cluster_seconds, 3),
        "allocate_seconds": round(allocate_seconds, 3),
        "seconds": round(sharded_seconds, 3),
        "rows_per_second": round(rows / sharded_seconds, 1),
        "shard_seconds": {"min": round(min(shard_seconds), 3),
                          "median": round(statistics.median(shard_seconds), 3),
                          "max": round(max(shard_seconds), 3)},
        "per_worker": per_worker,
    }

    if args.check:
        fd, single = tempfile.mkstemp(prefix=".single-", suffix=".npy", dir=os.path.dirname(output))
        os.close(fd)
        try:
            command = [binary, "predict", checkpoint, "--input", input_path, "--output", single,
                       "--no-progress", *extra]
            single_seconds, peak = run_measured(command, "single-process replay")
            same, how = compare_outputs(output, single)
        finally:
            os.unlink(single)
        report["single_process"] = {"seconds": round(single_seconds, 3),
                                    "rows_per_second": round(rows / single_seconds, 1),
                                    "peak_rss_kib": peak}
        report["check"] = {"equal": same, "how": how}

    if args.json:
        print(json.dumps(report))
    else:
        print(f"{rows:,} rows, {len(shards)} shards, {workers} workers ({report['scheduler']}): "
              f"{sharded_seconds:.2f} s, {rows / sharded_seconds:,.0f} rows/s "
              f"(allocate {allocate_seconds:.2f} s included; {'connecting' if args.scheduler else 'cluster start'} "
              f"{cluster_seconds:.2f} s not counted)")
        print(f"  shard seconds min {report['shard_seconds']['min']}, median "
              f"{report['shard_seconds']['median']}, max {report['shard_seconds']['max']}")
        for address, entry in sorted(per_worker.items()):
            rss = f"{entry['peak_rss_kib'] / 1024:.0f} MiB" if entry["peak_rss_kib"] else "?"
            dask_rss = entry.get("dask_worker_rss_bytes")
            dask_text = f", Dask worker process {dask_rss / 2**20:.0f} MiB" if dask_rss else ""
            print(f"  {address}: {entry['shards']} shards, {entry['rows']:,} rows, "
                  f"{entry['seconds']:.2f} s in keras-replay, peak RSS {rss} per keras-replay{dask_text}")
        if args.check:
            s = report["single_process"]
            rss = f", peak RSS {s['peak_rss_kib'] / 1024:.0f} MiB" if s["peak_rss_kib"] else ""
            print(f"  single process: {s['seconds']:.2f} s, {s['rows_per_second']:,.0f} rows/s{rss}")
            print(f"  check: {'EQUAL' if report['check']['equal'] else 'DIFFERENT'}: {report['check']['how']}")
    if args.check and not report["check"]["equal"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
