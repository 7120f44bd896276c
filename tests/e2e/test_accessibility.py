"""Accessibility: axe-core finds no serious or critical WCAG 2 A/AA problem; the keyboard works.

axe is injected with page.evaluate (as the page's own script would be refused by the CSP).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from alignment.models import Flag, FlagKind
from objectives.models import Objective
from practices.models import Means, Practice
from tests.e2e.conftest import screenshot, settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


# axe leaves text inside SVG drawings "incomplete" (it cannot tell the background of a <text>
# drawn over a <rect>): compute those contrasts here, against the node's own box or the page.
SVG_TEXT_CONTRAST = """() => {
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = color => {
    const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map(Number).map(channel);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const opaque = color => color && color !== "transparent" && !/rgba\\(.*,\\s*0\\)$/.test(color);
  const pageBackground = element => {
    for (let e = element; e; e = e.parentElement) {
      const color = getComputedStyle(e).backgroundColor;
      if (opaque(color)) return color;
    }
    return "rgb(255, 255, 255)";
  };
  return Array.from(document.querySelectorAll("svg text")).map(text => {
    const box = text.parentElement.querySelector(":scope > rect");
    const background = box ? getComputedStyle(box).fill : pageBackground(text.closest("svg"));
    const foreground = getComputedStyle(text).fill;
    return {text: text.textContent.trim(), foreground, background, ratio: ratio(foreground, background)};
  }).filter(item => item.ratio < 4.5);
}"""


def _violations(axe, page) -> list[dict]:
    results = axe.run(page, options=WCAG)
    found = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    low = page.evaluate(SVG_TEXT_CONTRAST)
    if low:
        found.append(
            {
                "id": "svg-text-contrast",
                "impact": "serious",
                "help": "SVG text must have a contrast ratio of at least 4.5:1",
                "helpUrl": "https://www.w3.org/WAI/WCAG21/Understanding/contrast-minimum",
                "nodes": [
                    {
                        "target": [item["text"]],
                        "html": f"{item['foreground']} on {item['background']}: {item['ratio']:.2f}:1",
                    }
                    for item in low
                ],
            }
        )
    return found


def _describe(name: str, url: str, violations: list[dict]) -> str:
    lines = [f"{name} ({url}):"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"      {' '.join(node['target'])}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"        {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"      … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def _audit(axe, page, pages: dict[str, str], prefix: str) -> list[str]:
    problems = []
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        found = _violations(axe, page)
        if found:
            problems.append(_describe(f"{prefix} · {name}", url, found))
    return problems


def _main_pages() -> dict[str, str]:
    lessons = Objective.objects.get(title="Share lessons learned after each project")
    wiki = Means.objects.get(name="Wiki")
    publish = Practice.objects.get(name="Teams publish their lessons learned in the wiki after each project")
    buddy = Practice.objects.get(name="Pair every new joiner with a buddy for their first month")
    chat_flag = Flag.objects.open().get(kind=FlagKind.PURPOSELESS_MEANS)
    return {
        "dashboard": "/",
        "objective tree": "/objectives/",
        "objective list": "/objectives/list/",
        "objective list, filtered": "/objectives/list/?q=zzz-nothing&status=active",
        "objective page": f"/objectives/{lessons.pk}/",
        "objective form": f"/objectives/new/?parent={lessons.pk}",
        "objective edit": f"/objectives/{lessons.pk}/edit/",
        "means list": "/practices/means/",
        "means page": f"/practices/means/{wiki.pk}/",
        "purposeless means page": f"/practices/means/{chat_flag.means_id}/",
        "practice list": "/practices/",
        "practice page": f"/practices/{publish.pk}/",
        "proposed practice page": f"/practices/{buddy.pk}/",
        "proposals": "/practices/proposals/",
        "flags inbox": "/flags/",
        "flag page": f"/flags/{chat_flag.pk}/",
        "strategy map": "/map/",
        "notifications": "/notifications/",
    }


def test_no_serious_accessibility_violation_on_the_main_pages(new_page, axe, demo):
    pages = _main_pages()
    page = new_page()
    page.goto("/accounts/login/")
    problems = []
    if found := _violations(axe, page):
        problems.append(_describe("anonymous · login", "/accounts/login/", found))
    # The sign-in form after a wrong password (errors next to the fields).
    page.get_by_label("Username").fill("marc")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    if found := _violations(axe, page):
        problems.append(_describe("anonymous · login with an error", "/accounts/login/", found))

    sign_in(page, "marc")
    problems += _audit(axe, page, pages, "marc (manager)")

    # States reached in place through htmx: an expanded tree node, an open resolve panel.
    reuse = Objective.objects.get(title="Capitalise and reuse best practices across teams")
    page.goto("/objectives/")
    page.locator(f"#toggle-{reuse.pk}").click()
    expect(page.locator(f"#toggle-{reuse.pk}")).to_have_attribute("aria-expanded", "true")
    if found := _violations(axe, page):
        problems.append(_describe("marc · objective tree, expanded", "/objectives/", found))
    page.goto("/flags/")
    flag = Flag.objects.open().get(kind=FlagKind.PURPOSELESS_MEANS)
    page.locator(f"#flag-{flag.pk}").get_by_role("link", name=re.compile("Resolve")).click()
    expect(page.locator(f"#resolve-panel-{flag.pk}")).to_be_visible()
    if found := _violations(axe, page):
        problems.append(_describe("marc · flags inbox, resolve panel open", "/flags/", found))
    # A form sent back with errors (422, swapped in by htmx).
    page.goto(pages["means page"])
    page.locator("#link-objective").get_by_role("button", name="Link", exact=True).click()
    expect(page.locator("#link-objective .errorlist").first).to_be_visible()
    if found := _violations(axe, page):
        problems.append(_describe("marc · means page, link form with errors", pages["means page"], found))
    screenshot(page, "a11y-means-link-errors")

    employee = new_page()
    sign_in(employee, "sophie")
    problems += _audit(
        axe,
        employee,
        {k: pages[k] for k in ("dashboard", "means page", "practice page", "proposals", "flags inbox")},
        "sophie (employee)",
    )
    assert not problems, "axe found serious or critical WCAG 2 A/AA violations:\n" + "\n".join(problems)


def test_keyboard_skip_link_and_visible_focus(page, demo):
    sign_in(page, "marc")
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_in_viewport()  # hidden off-screen until focused, then shown
    screenshot(page, "keyboard-skip-link")

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate("document.querySelector('main').contains(document.activeElement)")
    assert focused_in_main, "after the skip link, Tab must move within the main content"

    # Focus is visible on a link reached by keyboard.
    page.goto("/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('nav.main-nav') !== null"):
            break
    else:
        pytest.fail("Tab never reached the main navigation")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return {style: s.outlineStyle, width: s.outlineWidth, tag: document.activeElement.tagName}; })()"
    )
    assert outline["tag"] == "A"
    assert outline["style"] != "none" and outline["width"] != "0px", f"no visible focus on a nav link: {outline}"


def test_keyboard_focus_is_not_lost_when_htmx_swaps_a_region(new_page, demo):
    """After an in-place change, focus lands on what comes next, never back on <body>."""
    page = new_page()
    sign_in(page, "marc")
    reuse = Objective.objects.get(title="Capitalise and reuse best practices across teams")
    wiki = Means.objects.get(name="Wiki")

    page.goto("/objectives/")
    page.locator(f"#toggle-{reuse.pk}").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#toggle-{reuse.pk}")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f"#toggle-{reuse.pk}")).to_be_focused()

    page.goto(f"/practices/means/{wiki.pk}/")
    page.locator("#why").get_by_role("button", name="Unlink “Share lessons learned after each project”").focus()
    page.keyboard.press("Enter")
    undo = page.locator("#why").get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    settled(page)
    page.keyboard.press("Enter")
    expect(page.locator("#why").get_by_role("status")).to_have_text("Link restored.")
    expect(page.locator("#why").get_by_role("status")).to_be_focused()

    employee = new_page()
    sign_in(employee, "sophie")
    friday = Practice.objects.get(name="Friday show-and-tell of what worked")
    employee.goto(f"/practices/{friday.pk}/")
    employee.get_by_role("button", name="I practise this").focus()
    employee.keyboard.press("Enter")
    expect(employee.get_by_role("button", name="I stopped practising this")).to_be_focused()

    page.goto("/flags/")
    flag = Flag.objects.open().get(kind=FlagKind.PURPOSELESS_MEANS)
    page.locator(f"#flag-{flag.pk}").get_by_role("link", name=re.compile("Resolve")).focus()
    page.keyboard.press("Enter")
    settled(page)
    page.get_by_label("Why is this an accepted exception?").fill("Kept for on-call until the migration.")
    page.get_by_role("button", name="Accept as an exception").focus()
    page.keyboard.press("Enter")
    count = page.locator("#flag-list > p.help")
    expect(count).to_have_text("2 flags")
    expect(count).to_be_focused()
