"""How fast the viewer page is usable on a slow phone.

    python -m bench.pageload --runs 5

Chromium (Debian's, through playwright) opens the viewer page of a seeded
lecture at 390×844 with the network throttled like a slow 4G link and the
CPU slowed 4×, cold (empty cache) and warm (cached static files). Printed:
bytes transferred, time to the first paint of the wall's frame, time until
the page is live (its socket open and the wall filled), median over runs.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench import nodes as nodes_mod
from bench.table import print_header, print_table

# Slow 4G as Chrome's DevTools defines it (throughput in bytes per second).
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1.6 * 1024 * 1024 / 8,
           "uploadThroughput": 750 * 1024 / 8}
CPU_SLOWDOWN = 4


def run(runs: int) -> list[dict[str, object]]:
    from playwright.sync_api import sync_playwright

    group = nodes_mod.start(1, 100)
    try:
        code = group.call("POST", "/api/v1/lectures", {"title": "“劳模精神”大家谈",
                                                       "speakers": [{"name": "陈亮"}, {"name": "唐忠宝"}]})["code"]
        group.call("POST", f"/api/v1/lectures/{code}/status", {"status": "live"})
        url = f"{group.base}/l/{code}"
        rows = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for warm in (False, True):
                samples: dict[str, list[float]] = {"bytes": [], "paint": [], "live": []}
                context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                              is_mobile=True, has_touch=True)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", NETWORK)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
                if warm:
                    page.goto(url)
                    page.wait_for_selector("#conn[data-state=open]", timeout=60000)
                received = [0]
                cdp.on("Network.loadingFinished", lambda e: received.__setitem__(0, received[0] + e["encodedDataLength"]))
                for _ in range(runs):
                    if not warm:
                        cdp.send("Network.clearBrowserCache")
                    received[0] = 0
                    started = time.perf_counter()
                    page.goto(url, wait_until="commit")
                    page.wait_for_selector("#wall", state="attached", timeout=60000)
                    paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime"
                                          " ?? performance.now()")
                    page.wait_for_selector("#conn[data-state=open]", timeout=60000)
                    samples["live"].append((time.perf_counter() - started) * 1000)
                    samples["paint"].append(float(paint))
                    samples["bytes"].append(received[0])
                context.close()
                rows.append({
                    "cache": "warm" if warm else "cold",
                    "runs": runs,
                    "KB transferred": statistics.median(samples["bytes"]) / 1024,
                    "first paint ms": statistics.median(samples["paint"]),
                    "live ms": statistics.median(samples["live"]),
                })
            browser.close()
        return rows
    finally:
        group.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    print_header("The viewer page on a slow phone")
    print(f"network: slow 4G (150 ms, 1.6 Mbit/s down); CPU {CPU_SLOWDOWN}× slower")
    print_table(run(args.runs))


if __name__ == "__main__":
    main()
