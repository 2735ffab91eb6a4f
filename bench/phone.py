"""Time to main content on a low-end phone profile in Debian's Chromium (Playwright).

360x640, 4x CPU slowdown, "Regular 3G" (300 ms RTT, 700 kbit/s), cold cache for every page.
With JavaScript off every page must still show its main content.
"""
import time

from bench.common import OUT, metric

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GOAL_MS = 2000.0


def _throttle(context, page):
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 300,
                                                  "downloadThroughput": 700 * 1024 / 8,
                                                  "uploadThroughput": 700 * 1024 / 8})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})


def _time_page(context, url, timeout=30_000):
    """(ms until <main> is visible, first contentful paint ms, HTTP status)."""
    page = context.new_page()
    try:
        _throttle(context, page)
        t = time.perf_counter()
        resp = page.goto(url, wait_until="commit", timeout=timeout)
        page.wait_for_selector("main", state="visible", timeout=timeout)
        visible = (time.perf_counter() - t) * 1000
        page.wait_for_load_state("load", timeout=timeout)
        fcp = page.evaluate("(() => { var e = performance.getEntriesByName('first-contentful-paint')[0];"
                            " return e ? e.startTime : null; })()")
        return visible, fcp, resp.status if resp else None
    finally:
        page.close()


def measure(base, links, paths, quick):
    """Metrics: worst time-to-main over public + signed-in pages (JS on), and pages usable with JS off."""
    from playwright.sync_api import sync_playwright
    name = next((n for role, n, _u in links() if role == "litigant"), None)  # the person on the cheap phone

    def link_for(_js):  # links are one-time: a fresh one per browser context
        return next(u for _r, n, u in links() if n == name)
    rows, timings, js_off_bad = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for js in (True, False):
                ctx = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                          locale="zh-CN", java_script_enabled=js)

                def visit(path):
                    try:
                        visible, fcp, status = _time_page(ctx, base + path)
                    except Exception:  # noqa: BLE001 - <main> never showed: that is the finding
                        visible, fcp, status = None, None, None
                    if js:
                        timings.append((path, visible if visible is not None else float("inf"), fcp))
                    elif status != 200:
                        js_off_bad.append(path)
                for path in ["/signin"] if quick else ["/signin", "/signin/staff"]:
                    visit(path)
                # Sign in the way a person does, without throttling (not what we measure).
                page = ctx.new_page()
                page.goto(link_for(js))
                try:
                    page.locator("main form button, main form [type=submit]").first.click(timeout=10_000)
                    page.wait_for_load_state("load")
                except Exception:
                    (OUT / "phone_signin.html").write_text(page.content())
                    raise
                page.close()
                for path in paths[: (2 if quick else 8)]:
                    visit(path)
                ctx.close()
        finally:
            browser.close()
    worst = max(timings, key=lambda t: t[1])
    fcps = [t[2] for t in timings if t[2]]
    rows.append(metric("phone_time_to_main_content_max", None if worst[1] == float("inf") else worst[1], "ms", GOAL_MS,
                       baseline=max(fcps) if fcps else None,
                       note=f"worst {worst[0]} of {len(timings)} pages as signed out + {name}; baseline: max FCP; "
                            "360x640, 4x CPU, 300 ms/700 kbit/s, cold cache"))
    rows.append(metric("phone_pages_unusable_without_js", len(js_off_bad), "pages", 0,
                       note=", ".join(js_off_bad) or f"{len(timings)} pages opened with JS off"))
    return rows
