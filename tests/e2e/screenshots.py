"""Take the README screenshots from a running demo server.

make run                       # in one terminal (or any server with demo data)
.venv/bin/python tests/e2e/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]
"""

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = [
    ("my-tasks", "/accounts/tasks/"),
    ("customers", "/accounts/customers/?sort=-open"),
    ("customer-360", None),  # the customer with the largest overdue amount
    ("dashboard", "/reporting/"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--user", default="chris")
    parser.add_argument("--password", default="demo-pass-2026")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale=args.lang)
        page.goto(f"{args.base}/login/")
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        page.click("main form button[type=submit]")
        page.click(f"button[name=language][value={args.lang}]")  # the user's own language may differ
        for name, path in PAGES:
            if path is None:
                page.goto(f"{args.base}/accounts/customers/?overdue=on&sort=-open")
                page.locator("#results tbody tr a").nth(1).click()
            else:
                page.goto(args.base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"{name}.png"), full_page=name != "customer-360")
            print("wrote", out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
