"""A browser's User-Agent summarised as "<browser> <system>" codes, and said in plain words."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# First match wins: order matters (Edge and Opera also say "Chrome", Chrome also says "Safari").
_BROWSERS = [
    ("edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("opera", re.compile(r"OPR/|Opera|OPiOS")),
    ("samsung", re.compile(r"SamsungBrowser/")),
    ("uc", re.compile(r"UCBrowser/")),
    ("firefox", re.compile(r"Firefox/|FxiOS/")),
    ("chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("safari", re.compile(r"Safari/")),
]
_SYSTEMS = [
    ("android", re.compile(r"Android")),
    ("ios", re.compile(r"iPhone|iPad|iPod")),
    ("windows", re.compile(r"Windows")),
    ("macos", re.compile(r"Macintosh|Mac OS X")),
    ("kaios", re.compile(r"KAIOS", re.IGNORECASE)),
    ("linux", re.compile(r"Linux|X11")),
]
BROWSER_NAMES = {
    "edge": "Edge",
    "opera": "Opera",
    "samsung": "Samsung Internet",
    "uc": "UC Browser",
    "firefox": "Firefox",
    "chrome": "Chrome",
    "safari": "Safari",
}
SYSTEM_NAMES = {
    "android": "Android",
    "ios": "iPhone/iPad",
    "windows": "Windows",
    "macos": "Mac",
    "kaios": "KaiOS",
    "linux": "Linux",
}
UNKNOWN_BROWSER = gettext_lazy("Navigateur inconnu")


def summarise(user_agent: str) -> str:
    """Reduce a User-Agent to two codes, e.g. "chrome android" (nothing else is stored)."""
    user_agent = user_agent[:512]
    browser = next((code for code, pattern in _BROWSERS if pattern.search(user_agent)), "")
    system = next((code for code, pattern in _SYSTEMS if pattern.search(user_agent)), "")
    return f"{browser} {system}".strip() if browser or system else ""


def describe(summary: str) -> str:
    """Say a summary in the reader's language: "Chrome sur Android", "Firefox"."""
    browser, system = "", ""
    for code in summary.split():
        browser = BROWSER_NAMES.get(code, browser)
        system = SYSTEM_NAMES.get(code, system)
    if browser and system:
        return _("%(browser)s sur %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if system:
        return _("Navigateur sur %(system)s") % {"system": system}
    return str(UNKNOWN_BROWSER)
