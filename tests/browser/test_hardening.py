"""In headless Chromium: markup typed into the question box is shown as text, never run, and a
question the server refuses says why in the page. Every wait is on the page's state."""

from __future__ import annotations

import pytest

from .test_workspace import Page

TAG = "<img src=x onerror=\"window.pqPwned=1\"><script>window.pqPwned=2</script>"
QUESTION = "数据出境安全评估的申报情形有哪些？"


@pytest.fixture
def page(driver, web):
    p = Page(driver, web[0]).open()
    driver.execute_script("window.pqPwned = 0; window.alert = () => { window.pqPwned = 3; };")
    return p


def test_a_typed_tag_is_shown_as_text_and_never_runs(page):
    answer = page.ask(QUESTION + TAG)
    assert answer.find_elements("css selector", ".pq-cite-item")
    follow = page.ask("那<img src=x onerror=alert(1)>呢？")
    # nothing typed became an element: no <img>, no <script> in the answer or the viewer
    for where in ("#answer", "#evidence"):
        assert not page.driver.execute_script(
            "return document.querySelectorAll(arguments[0] + ' img, ' + arguments[0] + ' script').length;", where)
    assert page.driver.execute_script("return window.pqPwned;") == 0
    shown = follow.text
    assert "<img src=x onerror=alert(1)>" in shown or "按上文理解为" not in shown


def test_a_refused_question_says_why_in_the_page(page):
    from selenium.webdriver.common.keys import Keys

    box = page.css("#question textarea")
    box.clear()
    page.driver.execute_script(
        "const t = arguments[0]; t.value = arguments[1]; t.dispatchEvent(new Event('input', {bubbles: true}));",
        box, "问" * 2001 + TAG)
    box.send_keys(Keys.ENTER)
    page.text_in("#answer", "问题太长")
    assert "Traceback" not in page.css("#answer").text
    assert page.driver.execute_script("return window.pqPwned;") == 0


@pytest.fixture(scope="module")
def signed_in_app(web):
    """The same engine served again with sign-in: alice (editor) and bob (reader)."""
    from tests.browser.support import served
    from ui.auth import parse_credentials

    _, engine = web
    with served(engine, parse_credentials("alice:alice-pw-1:editor\nbob:bob-pw-2:reader")) as (url, _app):
        yield url, engine


def _signed_in(driver, url: str, user: str, password: str) -> Page:
    import httpx

    r = httpx.post(f"{url}login", data={"username": user, "password": password}, timeout=30)
    assert r.status_code == 200
    driver.delete_all_cookies()
    driver.get(f"{url}gradio_api/info")  # same origin, for the cookies
    for name, value in r.cookies.items():
        driver.add_cookie({"name": name, "value": value, "path": "/"})
    return Page(driver, url).open()


@pytest.mark.parametrize(("user", "password", "editor"), [("bob", "bob-pw-2", False), ("alice", "alice-pw-1", True)])
def test_only_an_editor_sees_the_upload_controls_and_may_remove(driver, signed_in_app, user, password, editor):
    url, engine = signed_in_app
    page = _signed_in(driver, url, user, password)
    page.tab("corpus")
    page.click("#upload-box button")  # open the 添加文件 box
    if editor:
        page.visible("#add")
    else:
        page.wait(lambda d: not page.shown("#add") and not page.shown("#upload"))
    n = len(engine.documents)
    page.open_document(engine.documents[0].title)
    page.click("#remove")
    if editor:
        page.visible("#remove-yes")  # the confirmation; 取消 keeps the document
        page.click("#remove-no")
    else:
        page.wait(lambda d: "没有这个权限" in d.find_element("css selector", "body").text)  # the refusal, in the page
        assert not page.shown("#remove-yes")
    assert len(engine.documents) == n
    driver.delete_all_cookies()
