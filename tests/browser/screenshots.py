"""The README's pictures of the workspace (Web UI section): a conversation of three questions with a
citation's preview, the filter bar with an active filter and its abstention note, and the phone layout.

    python -m tests.browser.screenshots docs/            # over the slice index of the tests
    python -m tests.browser.screenshots docs/ --url URL  # over a running app

Every picture waits for what it shows (an element's state), never on time.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from selenium.webdriver.remote.webdriver import WebDriver

log = logging.getLogger(__name__)

THREAD = ("个人信息保护法关于处理个人信息的告知义务", "那敏感个人信息呢？", "那向境外提供呢？")
FILTERED = "数据出境安全评估办法第四条规定了哪些申报情形？"


def _page(driver: "WebDriver", url: str):
    from .test_workspace import Page

    page = Page(driver, url).open()
    page.wait(lambda d: d.execute_script("return document.fonts.status === 'loaded';"))
    return page


def thread_picture(url: str, path: Path) -> None:
    """1280×900: three questions, the third a follow-up of the second; its [1] previewed."""
    from selenium.webdriver.common.action_chains import ActionChains

    from .headless import chrome

    driver = chrome(1280, 900)
    try:
        page = _page(driver, url)
        for question in THREAD:
            page.ask(question)
        page.click("#answer .pq-turn[data-turn='2'] .pq-cite-item[data-view='t2-c1'] .pq-label")
        marker = page.css("#answer .pq-marker[data-view='t3-c1']")
        driver.execute_script("arguments[0].closest('.pq-turn').scrollIntoView({block: 'start'});", marker)
        ActionChains(driver).move_to_element(marker).perform()
        page.wait(lambda d: page.css("#answer .pq-marker[data-view='t3-c1'] + .pq-tip").is_displayed())
        driver.save_screenshot(str(path))
    finally:
        driver.quit()


def filter_picture(url: str, path: Path) -> None:
    """1280×900: 已筛选：法律 × on the collapsed bar, the abstention under it with 取消筛选重试."""
    from .headless import chrome

    driver = chrome(1280, 900)
    try:
        page = _page(driver, url)
        page.click("#filters .label-wrap")
        page.choose("#filter-types", "法律")
        page.click("#filters .label-wrap")
        page.wait(lambda d: not page.shown("#filter-types"))
        page.ask(FILTERED)
        page.visible("#answer .pq-retry")
        driver.execute_script("document.querySelector('#filter-chips').scrollIntoView({block: 'end'});")
        driver.save_screenshot(str(path))
    finally:
        driver.quit()


def phone_picture(url: str, path: Path) -> None:
    """390×844: 文件库 as a list of cards."""
    from .headless import phone

    driver = phone(390, 844)
    try:
        page = _page(driver, url)
        page.tab("corpus")
        page.visible("#corpus-cards .pq-doc-card")
        driver.save_screenshot(str(path))
    finally:
        driver.quit()


def take_all(url: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "screenshot-thread.png", folder / "screenshot-filters.png", folder / "screenshot-phone.png"]
    for take, path in zip((thread_picture, filter_picture, phone_picture), paths):
        take(url, path)
        log.info("saved %s", path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--url", help="a running app (default: serve the tests' slice index)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.url:
        take_all(args.url, args.folder)
        return 0
    from qa import PolicyQA, Settings

    from .support import DATA, served

    with tempfile.TemporaryDirectory(prefix="policyqa-shots-") as tmp:
        settings = Settings().override(index_dir=Path(tmp) / "index", cache_dir=Path(tmp) / "cache", progress=False)
        engine = PolicyQA.build([DATA / "slice_collection.txt"], settings=settings)
        with served(engine) as (url, _app):
            take_all(url, args.folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
