"""Debian's Chromium, headless, driven by Selenium: for the browser tests, the UI benchmark and
the README screenshot (``scripts/bench_ui.py`` imports it from here). Never downloads a browser or a driver: both come from the system
(``apt-get install chromium chromium-driver``) and Selenium Manager is switched off.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
         "--disable-dev-shm-usage"]


def missing() -> str | None:
    """Why the browser cannot start here (None when it can)."""
    for path, pkg in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).is_file():
            return f"{path} is missing: apt-get install -y --no-install-recommends {pkg}"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is missing: pip install -e '.[test]'"
    return None


def chrome(width: int = 1440, height: int = 900, lang: str = "zh-CN") -> "WebDriver":
    """A fresh headless Chromium with its own profile directory (removed on ``quit()``), its
    language ``lang`` (what the page sees as ``navigator.language``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch anything
    profile = tempfile.mkdtemp(prefix="policyqa-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    opts.add_argument(f"--lang={lang}")
    opts.add_experimental_option("prefs", {"intl.accept_languages": lang if lang.startswith("zh") else f"{lang},en"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    original_quit = driver.quit

    def quit_and_clean() -> None:
        try:
            original_quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean  # type: ignore[method-assign]
    # the window includes the browser's own bars: grow it so the page itself is width × height
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight];")
    if inner != [width, height]:
        driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    return driver


def phone(width: int = 390, height: int = 844, lang: str = "zh-CN") -> "WebDriver":
    """A headless Chromium that shows pages as a phone of ``width`` × ``height`` CSS pixels does
    (device metrics emulated: a desktop window cannot be made that narrow)."""
    driver = chrome(max(width, 500), height, lang)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    return driver
