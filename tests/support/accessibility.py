"""Accessibility checks of an open page in headless Chromium: axe-core's WCAG 2.1 A/AA rules
(AAA contrast in elderly mode), no sideways scrolling at 320 px, touch targets of 44 px."""

from __future__ import annotations

from tests.support.phone import PHONE

WCAG = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*sorted(WCAG), "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
# Elderly mode promises higher contrast (profile rule 6): its text meets AAA's 7:1 as well.
ELDERLY_OPTIONS = {
    **AXE_OPTIONS,
    "runOnly": {"type": "tag", "values": [*sorted(WCAG), "best-practice", "wcag2aaa"]},
}
# Best-practice rules about the page's outline that a screen reader user navigates by: held to
# zero violations whatever their impact (axe rates most of them "moderate").
STRUCTURE = {
    "heading-order",
    "empty-heading",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "page-has-heading-one",
    "region",
}
NARROW = {"width": 320, "height": 640}

# Visible controls smaller than 44 px and not inside a tappable area of at least 44 px: the
# elements are found in the page and reported as "tag.class 'text' WxH". Exempt (WCAG 2.5.8):
# links inside a sentence (a parent <p>, <li> of running text or <dd>), hidden inputs and
# controls whose label or wrapping row supplies the 44 px target.
SMALL_TARGETS_JS = """
() => {
  const small = [];
  const inline = el => el.tagName === 'A' && el.closest('p, dd, .pre, td, .cell-note, .notice')
    && getComputedStyle(el).display === 'inline';
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden') continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (el.closest('.sr')) continue;
    if (box.height >= 44 || inline(el)) continue;
    // A radio/checkbox/file input whose label (or wrapping row) is the bigger target.
    let area = null;
    if (el.id) area = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    area = area || el.closest('label, summary, .field-check, .field li, a, button');
    if (area && area !== el && area.getBoundingClientRect().height >= 44) continue;
    const text = (el.innerText || el.value || el.name || '').trim().slice(0, 24);
    small.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} `
      + `'${text}' ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return small;
}
"""


def _blocking(violation: dict, elderly: bool) -> bool:
    if violation["id"] in STRUCTURE or (elderly and violation["id"] == "color-contrast-enhanced"):
        return True
    return violation["impact"] in BLOCKING and bool(WCAG & set(violation["tags"]))


def accessibility_problems(page, where: str, elderly: bool) -> list[str]:
    """What axe-core and the 320 px checks find on the open page (normal or elderly mode)."""
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size(PHONE)
    problems = []
    options = ELDERLY_OPTIONS if elderly else AXE_OPTIONS
    for violation in Axe().run(page, options=options).response["violations"]:
        if _blocking(violation, elderly):
            for node in violation["nodes"]:
                problems.append(
                    f"{where}: {violation['id']} ({violation['impact']}) at "
                    f"{', '.join(map(str, node['target']))}: {node['html'][:120]}"
                )
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    if size < (20 if elderly else 16):
        problems.append(f"{where}: body text is {size} px")
    page.set_viewport_size(NARROW)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW["width"]:
        problems.append(f"{where}: scrolls sideways at 320 px (scrollWidth {width})")
    for target in page.evaluate(SMALL_TARGETS_JS):
        problems.append(f"{where}: touch target under 44 px at 320 px: {target}")
    page.set_viewport_size(PHONE)
    return problems
