"""The quick set (`make test-quick`, -m "not slow") builds no book and
starts no browser: every test that does carries the slow mark.

conftest's `quick_tests_stay_quick` enforces it while a quick test runs
(no fixture that builds, serves or browses; no jupyter-book, Sphinx or
Chromium started); this test checks every collected test's marks
before any of them runs.
"""

from conftest import heavy_fixtures


def test_no_quick_test_builds_serves_or_browses(request):
    quick = [item for item in request.session.items
             if not item.get_closest_marker("slow")]
    wrong = {item.nodeid: sorted(heavy_fixtures(item)) for item in quick
             if heavy_fixtures(item)}
    assert not wrong, f"not marked slow: {wrong}"


def test_browser_tests_are_slow(request):
    for item in request.session.items:
        if item.get_closest_marker("browser"):
            assert item.get_closest_marker("slow"), item.nodeid
