"""The appendix HTML in a real browser: offline, WCAG 2.2 AA (axe-core), phone and print.

Debian's Chromium (``apt-get install chromium``) driven by Playwright opens each page from
``file://``. Without the browser these tests fail, saying what to install.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

#: axe-core rule tags checked: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and best practice.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
def open_page(browser) -> Iterator:
    """Open a file in a fresh context, logging every request the page makes.

    Every request other than the file itself is logged and aborted, so nothing leaves the
    machine. (Playwright's ``offline=True`` is not used: Chromium then drops web requests
    before the request log sees them.)
    """
    contexts = []

    def opener(path: Path, viewport: dict[str, int] = DESKTOP, media: str = "screen"):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.requests = []  # every URL the page asked for, as the browser logged it
        page.on("request", lambda request: page.requests.append(request.url))

        def route(route_) -> None:
            # Nothing but the file itself may load; anything else is logged and refused.
            if route_.request.url == path.as_uri():
                route_.continue_()
            else:
                page.requests.append(route_.request.url)
                route_.abort()

        page.route("**/*", route)
        page.emulate_media(media=media)
        page.goto(path.as_uri(), wait_until="load")
        return page

    yield opener
    for context in contexts:
        context.close()


def outside_requests(page, path: Path) -> list[str]:
    return sorted(
        {url for url in page.requests if url != path.as_uri() and not url.startswith("data:")}
    )


# ------------------------------------------------------------------ self-contained


def test_page_makes_no_network_request(open_page, appendix_page: Path) -> None:
    page = open_page(appendix_page)
    page.mouse.wheel(0, 100_000)  # scroll to the end, so lazily loaded content would load
    page.wait_for_timeout(300)
    page.set_viewport_size(PHONE)
    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    assert outside_requests(page, appendix_page) == []


def test_request_log_sees_a_request_to_the_outside(open_page, tmp_path: Path) -> None:
    # the check above is only worth something if the log sees an outside request
    path = tmp_path / "leaky.html"
    path.write_text(
        '<!DOCTYPE html><html lang="en"><title>x</title>'
        '<img src="https://example.org/chart.png" alt="a chart of something">'
        '<img src="chart.png" alt="a chart of something else"></html>'
    )
    page = open_page(path)
    page.wait_for_timeout(300)
    assert outside_requests(page, path) == sorted(
        ["https://example.org/chart.png", (tmp_path / "chart.png").as_uri()]
    )


# ------------------------------------------------------------------ accessibility


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines.append(f"      {node.get('failureSummary', '').strip()[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violations(open_page, appendix_page: Path, viewport: dict) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(appendix_page, viewport)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    if violations:
        print(format_violations(violations))
    assert violations == [], format_violations(violations)
    assert results.response["passes"], "axe ran no rules at all"


def test_heading_levels_never_skip(open_page, appendix_page: Path) -> None:
    page = open_page(appendix_page)
    levels = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "hs => hs.map(h => Number(h.tagName[1]))"
    )
    assert levels[:1] == [1] and levels.count(1) == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"h{before} is followed by h{after}: {levels}"


def test_language_and_title_are_set(open_page, appendix_page: Path) -> None:
    page = open_page(appendix_page)
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert page.title().strip()


def test_tables_have_captions_and_scoped_header_cells(open_page, appendix_page: Path) -> None:
    page = open_page(appendix_page)
    tables = page.eval_on_selector_all(
        "table",
        """ts => ts.map(t => ({
            caption: t.caption ? t.caption.textContent.trim() : '',
            th: t.querySelectorAll('th').length,
            unscoped: [...t.querySelectorAll('th')].filter(
                th => !['col', 'row', 'colgroup', 'rowgroup'].includes(th.scope)).length,
        }))""",
    )
    assert tables
    for table in tables:
        assert table["caption"] and table["th"] and not table["unscoped"], table


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_chart_has_alt_text_and_its_colours_have_contrast(
    open_page, appendix_page: Path
) -> None:
    page = open_page(appendix_page)
    charts = page.eval_on_selector_all(
        "img, svg[role=img]",
        """els => els.map(e => ({
            alt: e.tagName === 'IMG' ? (e.getAttribute('alt') || '') :
                 (e.getAttribute('aria-label') || ''),
            src: e.tagName === 'IMG' ? e.getAttribute('src') : '',
            svg: e.tagName === 'IMG' ? '' : e.outerHTML,
        }))""",
    )
    assert charts, "the page has no charts"
    for chart in charts:
        assert len(chart["alt"].split()) >= 5, f"alt text too short to state a message: {chart}"
        svg = chart["svg"]
        if chart["src"].startswith("data:image/svg+xml;base64,"):
            svg = base64.b64decode(chart["src"].split(",", 1)[1]).decode("utf-8")
        if not svg:
            continue
        fills = {c.lower() for c in re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg)}
        strokes = {c.lower() for c in re.findall(r'stroke="(#[0-9a-fA-F]{6})"', svg)}
        # light greys are gridlines, white is the background: neither carries data
        marks = {c for c in fills | strokes if not _is_light_grey(c)}
        for colour in marks:
            assert contrast(colour, "#ffffff") >= 3, (
                f"{colour} on white is {contrast(colour, '#ffffff'):.2f}:1, under the 3:1 "
                "WCAG 1.4.11 asks of chart marks (chart colours come from pipeline.charts)"
            )
        # bars (filled paths; line markers are <use>) of different series may touch, so
        # their colours must differ by 3:1 too (greys are text, axes and gridlines)
        bars = re.findall(r'<path\b[^>]*\bfill="(#[0-9a-fA-F]{6})"', svg)
        filled = sorted({c.lower() for c in bars if not _is_grey(c)})
        for a, b in itertools.combinations(filled, 2):
            assert contrast(a, b) >= 3, (
                f"bars {a} and {b} differ by {contrast(a, b):.2f}:1, under 3:1 (WCAG 1.4.11)"
            )


def _is_grey(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return max(r, g, b) - min(r, g, b) < 8


def _is_light_grey(colour: str) -> bool:
    return _is_grey(colour) and int(colour[1:3], 16) >= 0xB0


# ------------------------------------------------------------------ phone and print


def test_no_horizontal_overflow_on_a_phone(
    open_page, appendix_page: Path, screenshot_dir: Path
) -> None:
    page = open_page(appendix_page, PHONE)
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways at 375px: {widths}"
    sticking_out = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.table-wrap, figure.chart')
                         || e.matches('.table-wrap, figure.chart'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert sticking_out == [], f"wider than the screen outside a table scroller: {sticking_out}"
    # wide tables scroll inside their wrapper, which the keyboard can reach
    scrollers = page.eval_on_selector_all(
        ".table-wrap",
        "ws => ws.filter(w => w.scrollWidth > w.clientWidth).map(w => w.tabIndex)",
    )
    assert all(index == 0 for index in scrollers), scrollers
    # a table that scrolls shows it (a shadow at the edge with more columns)
    cues = page.eval_on_selector_all(
        ".table-wrap",
        "ws => ws.filter(w => w.scrollWidth > w.clientWidth)"
        ".map(w => getComputedStyle(w).backgroundImage)",
    )
    assert all("gradient" in cue for cue in cues), cues
    # charts keep legible labels (at least 36rem wide) and scroll, reachable by keyboard
    charts = page.eval_on_selector_all(
        "figure.chart",
        "fs => fs.map(f => [f.querySelector('svg, img').getBoundingClientRect().width,"
        " f.tabIndex])",
    )
    assert all(width >= 570 and index == 0 for width, index in charts), charts
    path = screenshot_dir / f"{appendix_page.stem}-phone.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1_000
    print(f"phone screenshot: {path}")


def test_desktop_screenshot(open_page, appendix_page: Path, screenshot_dir: Path) -> None:
    page = open_page(appendix_page, DESKTOP)
    path = screenshot_dir / f"{appendix_page.stem}-desktop.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1_000
    print(f"desktop screenshot: {path}")


def test_print_layout_keeps_tables_and_charts_whole(open_page, appendix_page: Path) -> None:
    a4_text_width = {"width": 658, "height": 1000}  # 174 mm at 96 dpi
    page = open_page(appendix_page, a4_text_width, media="print")
    styles = page.evaluate(
        """() => ({
            thead: [...document.querySelectorAll('thead')].map(
                e => getComputedStyle(e).display),
            wraps: [...document.querySelectorAll('.table-wrap')].map(
                e => getComputedStyle(e).overflowX),
            figures: [...document.querySelectorAll('figure')].map(
                e => getComputedStyle(e).breakInside),
            width: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
        })"""
    )
    assert set(styles["thead"]) <= {"table-header-group"}
    assert set(styles["wraps"]) <= {"visible"}
    assert set(styles["figures"]) <= {"avoid"}
    assert styles["width"][0] <= styles["width"][1], styles["width"]
