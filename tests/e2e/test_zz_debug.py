import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def test_debug(page, demo):
    page.add_init_script("""
      const orig = Element.prototype.setAttribute;
      Element.prototype.setAttribute = function(n, v) {
        if (n === 'style') console.log('SETSTYLE', this.tagName, this.id, JSON.stringify(v), new Error().stack.split('\\n').slice(1,4).join(' | '));
        return orig.call(this, n, v);
      };
      new MutationObserver(ms => ms.forEach(m => { if (m.type==='attributes') console.log('MUT', m.target.tagName, m.target.id, m.attributeName, JSON.stringify(m.target.getAttribute('style'))); }))
        .observe(document, {attributes:true, attributeFilter:['style'], subtree:true});
    """)
    page.on("console", lambda m: print("CONSOLE", m.type, m.text[:300]))
    sign_in(page, "marc")
    page.goto("/practices/means/")
    page.get_by_role("link", name="Wiki", exact=True).click()
    print("STEP type")
    page.get_by_label("Find an objective").press_sequentially("expert", delay=30)
    expect(page.locator("#link-objective-results").get_by_role("radio")).to_have_count(1)
    print("STEP check")
    page.locator("#link-objective-results").get_by_role("radio").first.check()
    page.get_by_label("Rationale").fill("why not")
    print("STEP link")
    page.locator("#link-objective").get_by_role("button", name="Link", exact=True).click()
    page.wait_for_timeout(1000)
    print("STEP unlink")
    page.locator("#why").get_by_role("button", name="Unlink “Find an expert in under a day”").click()
    page.wait_for_timeout(1000)
    print("STEP undo")
    page.locator("#why").get_by_role("button", name="Undo").click()
    page.wait_for_timeout(1000)
    print("STEP end")
