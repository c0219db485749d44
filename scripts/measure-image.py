#!/usr/bin/env python3
"""Measures the logkeep image under QEMU (TCG) and the hosted build.

Subcommands, each printing a Markdown table for docs/benchmarks.md:

  size     image and program sizes (plain and gzipped)
  boot     time from QEMU start until logkeep listens and stores a datagram
  memory   smallest guest memory (-m) that boots and fills a capacity
  loss     datagrams offered per second against datagrams stored, for the
           image at several kernel UDP queue lengths and for the hosted build

Run from the repository root after scripts/build-image.sh (and, for the
hosted rows, `cargo build --release`). Every QEMU is started through
scripts/run.sh --accel tcg, on free ports of 127.0.0.1.
"""

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = os.path.join(ROOT, "build/image/logkeep")
HOSTED = os.path.join(ROOT, "target/release/logkeep")


def free_port():
    with socket.socket() as tcp:
        tcp.bind(("127.0.0.1", 0))
        port = tcp.getsockname()[1]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def http_json(port, path, timeout=10):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as reply:
        return json.load(reply)


def try_stats(port):
    try:
        return http_json(port, "/stats", timeout=5)
    except (OSError, ValueError):
        return None


class Guest:
    """A QEMU started by scripts/run.sh with user networking."""

    def __init__(self, memory="256M", app_args=("serve",), kernel_args=(), smp=2):
        self.dir = tempfile.mkdtemp(prefix="logkeep-measure-")
        self.udp, self.http, self.tcp = free_port(), free_port(), free_port()
        command = [
            os.path.join(ROOT, "scripts/run.sh"), "--accel", "tcg", "--image", IMAGE,
            "--memory", memory, "--smp", str(smp),
            "--udp-port", str(self.udp), "--http-port", str(self.http),
            "--tcp-port", str(self.tcp),
            "--serial", os.path.join(self.dir, "serial.log"),
        ]
        for arg in kernel_args:
            command += ["--kernel-arg", arg]
        command += ["--", *app_args]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "run.log"), "w"))

    def console(self):
        try:
            with open(os.path.join(self.dir, "serial.log"), errors="replace") as serial:
                return serial.read()
        except OSError:
            return ""

    def wait_ready(self, deadline=90):
        """Returns True once /stats responds, False when QEMU exits or the deadline passes."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                return False
            if "listening on http" in self.console() and try_stats(self.http):
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        self.process.kill()
        self.process.wait()


class Hosted:
    """The hosted `logkeep serve` on loopback."""

    def __init__(self, capacity="256MiB"):
        self.udp, self.http = free_port(), free_port()
        self.process = subprocess.Popen(
            [HOSTED, "serve", "--udp", f"127.0.0.1:{self.udp}",
             "--http", f"127.0.0.1:{self.http}", "--capacity", capacity],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, deadline=10):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if try_stats(self.http):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.process.kill()
        self.process.wait()


def message(index, size):
    head = f"<134>1 2026-12-04T12:00:00Z benchhost bench - - - {index:08d} ".encode()
    return head + b"x" * max(0, size - len(head))


def send_at_rate(port, count, rate, size):
    """Sends `count` datagrams at `rate` per second (0: as fast as possible)."""
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    start = time.perf_counter()
    for index in range(count):
        if rate:
            due = start + index / rate
            while time.perf_counter() < due:
                pass
        sender.sendto(message(index, size), ("127.0.0.1", port))
    elapsed = time.perf_counter() - start
    sender.close()
    return count / elapsed if elapsed > 0 else float("inf")


def stats_retry(port, deadline=60, alive=lambda: True):
    """Returns /stats, retrying while the guest is too busy to respond."""
    end = time.monotonic() + deadline
    while time.monotonic() < end and alive():
        stats = try_stats(port)
        if stats:
            return stats
        time.sleep(0.5)
    raise RuntimeError(f"/stats on port {port} timed out for {deadline} s: the guest may be overloaded or down")


def settle(port, before, deadline=60, alive=lambda: True):
    """Waits until `received` stops growing and returns the growth."""
    last, still_since = before, time.monotonic()
    end = time.monotonic() + deadline
    while time.monotonic() < end and alive():
        stats = try_stats(port)
        if stats is None:
            # A busy guest may not respond while it drains its queue, so a
            # request without a response does not mean the guest is done.
            still_since = time.monotonic()
        elif stats["received"] != last:
            last, still_since = stats["received"], time.monotonic()
        elif time.monotonic() - still_since > 2:
            break
        time.sleep(0.3)
    return last - before


def measure_size(_args):
    rows = []
    for label, path in [("image (loader + kernel + logkeep)", IMAGE),
                        ("program ELF, stripped (kernel + logkeep)",
                         os.path.join(ROOT, "build/image/logkeep.hermit"))]:
        with open(path, "rb") as file:
            data = file.read()
        rows.append((label, len(data), len(gzip.compress(data, 9))))
    print("| File | Bytes | gzip -9 |")
    print("|---|---:|---:|")
    for label, plain, packed in rows:
        print(f"| {label} | {plain:,} | {packed:,} |")


def measure_boot(args):
    """Sends a datagram every 10 ms from QEMU start and polls /stats once
    logkeep logs that it listens. QEMU queues datagrams for the guest
    until its network driver is ready, so the first stored datagram is
    known only by when /stats first counts it (an upper bound)."""
    print("| Run | `listening on http` on the console (s) | first datagram counted by /stats (s) |")
    print("|---|---:|---:|")
    for run in range(args.runs):
        guest = Guest(memory="256M")
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listening_at = stored_at = None
        end = guest.started + 90
        while time.monotonic() < end and stored_at is None:
            offset = time.monotonic() - guest.started
            sender.sendto(b"<134>1 - h boot - - - boot probe", ("127.0.0.1", guest.udp))
            if listening_at is None and "listening on http" in guest.console():
                listening_at = offset
            if listening_at is not None:
                stats = try_stats(guest.http)
                if stats and stats["received"] > 0:
                    stored_at = time.monotonic() - guest.started
            time.sleep(0.01)
        guest.stop()
        print(f"| {run + 1} | {listening_at:.2f} | {stored_at:.2f} |")


def fills(memory, capacity, size):
    """Boots with -m memory and --capacity capacity, sends until the store
    evicts, and returns True when the guest still responds afterwards.
    Datagrams go in bursts that fit the kernel's UDP queue, each after the
    guest has stored the previous one, because the guest stores only a
    few hundred per second under TCG."""
    guest = Guest(memory=memory, app_args=("serve", "--capacity", capacity))
    try:
        if not guest.wait_ready():
            return False
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        index = 0
        end = time.monotonic() + 900
        while time.monotonic() < end:
            alive = lambda: guest.process.poll() is None
            before = stats_retry(guest.http, alive=alive)["received"]
            for _ in range(800):
                sender.sendto(message(index, size), ("127.0.0.1", guest.udp))
                index += 1
            time.sleep(1)
            if guest.process.poll() is not None or "panicked" in guest.console():
                return False
            settle(guest.http, before, alive=alive)
            stats = stats_retry(guest.http, alive=alive)
            if stats["evicted"] > 0:
                return guest.process.poll() is None
        return False
    except RuntimeError:
        return False
    finally:
        guest.stop()


def measure_memory(args):
    print(f"| --capacity | smallest -m that boots and fills it ({args.size}-byte messages) |")
    print("|---|---:|")
    for capacity in args.capacities:
        low, high = 32, args.max_memory  # MiB: 32 never boots logkeep, `high` must work
        if not fills(f"{high}M", capacity, args.size):
            print(f"| {capacity} | more than {high} MiB |")
            continue
        while high - low > args.step:
            middle = (low + high) // 2
            if fills(f"{middle}M", capacity, args.size):
                high = middle
            else:
                low = middle
        print(f"| {capacity} | {high} MiB |")


def loss_row(target, label, rates, count, size):
    cells = []
    for rate in rates:
        before = stats_retry(target.http)["received"]
        achieved = send_at_rate(target.udp, count, rate, size)
        stored = settle(target.http, before)
        cells.append(f"{stored}/{count}" + ("" if rate else f" ({achieved:,.0f}/s)"))
    print(f"| {label} | " + " | ".join(cells) + " |")
    sys.stdout.flush()


def measure_loss(args):
    rates = args.rates
    header = " | ".join(f"{rate:,}/s" if rate else "unpaced" for rate in rates)
    print(f"Stored/offered for bursts of {args.count} datagrams of {args.size} bytes.\n")
    print(f"| Receiver | {header} |")
    print("|---|" + "---:|" * len(rates))
    for queue in args.queues:
        guest = Guest(memory="512M", app_args=("serve", "--capacity", "128MiB"),
                      kernel_args=(f"env=HERMIT_UDP_RX_QUEUE={queue}",))
        try:
            if not guest.wait_ready():
                print(f"| image, queue {queue} | did not boot |")
                continue
            loss_row(guest, f"{args.label}, UDP queue {queue}", rates, args.count, args.size)
        finally:
            guest.stop()
    if args.hosted and os.path.exists(HOSTED):
        hosted = Hosted()
        try:
            if hosted.wait_ready():
                loss_row(hosted, "hosted `logkeep serve`", rates, args.count, args.size)
        finally:
            hosted.stop()


def main():
    global IMAGE
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=IMAGE, help="image to boot (default %(default)s)")
    parser.add_argument("--label", default="image (TCG)", help="row label for the image")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("size")
    boot = commands.add_parser("boot")
    boot.add_argument("--runs", type=int, default=5)
    memory = commands.add_parser("memory")
    memory.add_argument("--capacities", nargs="+", default=["1MiB", "8MiB"])
    memory.add_argument("--size", type=int, default=1400, help="bytes per message")
    memory.add_argument("--max-memory", type=int, default=256, help="MiB")
    memory.add_argument("--step", type=int, default=8, help="search resolution in MiB")
    loss = commands.add_parser("loss")
    loss.add_argument("--queues", nargs="+", type=int, default=[4, 64, 256, 1024, 4096])
    loss.add_argument("--rates", nargs="+", type=int, default=[100, 300, 1000, 0])
    loss.add_argument("--count", type=int, default=1000)
    loss.add_argument("--size", type=int, default=200, help="bytes per datagram")
    loss.add_argument("--no-hosted", dest="hosted", action="store_false",
                      help="skip the hosted build's row")
    args = parser.parse_args()
    IMAGE = os.path.abspath(args.image)
    {"size": measure_size, "boot": measure_boot, "memory": measure_memory,
     "loss": measure_loss}[args.command](args)


if __name__ == "__main__":
    main()
