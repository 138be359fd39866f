"""Browser tests: Debian's Chromium (headless) against the app served on 127.0.0.1.

Without chromium/chromium-driver/selenium these tests skip locally and FAIL in CI (``CI`` set),
where ``.ci/run`` installs the browser. A failing test leaves a screenshot in var/test-screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .support import private_engine, served

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "test-screenshots"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        driver = item.funcargs.get("page") or item.funcargs.get("driver")
        driver = getattr(driver, "driver", driver)
        if driver is not None:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", item.nodeid)[-150:] + ".png"
            try:
                driver.save_screenshot(str(SCREENSHOTS / name))
                report.sections.append(("screenshot", str(SCREENSHOTS / name)))
            except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
                report.sections.append(("screenshot", f"could not save: {exc}"))


@pytest.fixture(scope="session")
def chromium_ready():
    from .headless import missing

    why = missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need Chromium in CI: {why} (.ci/run installs it)")
        pytest.skip(why)


@pytest.fixture(scope="session")
def driver(chromium_ready):
    from .headless import chrome

    d = chrome(1440, 900)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def web(slice_engine, tmp_path_factory):
    """(url, engine) of a live app over a private copy of the slice index."""
    engine = private_engine(tmp_path_factory.mktemp("web"), slice_engine.settings.cache_dir)
    with served(engine) as (url, _app):
        yield url, engine
