"""Build the NHS.UK design system into static files: `python -m candour.web.assets`.

Copies the compiled CSS, JavaScript and images of the `nhsuk-frontend` npm package (pinned
in package.json; `npm ci` puts it in node_modules) into build/static/nhsuk/, which
STATICFILES_DIRS serves through whitenoise. ./dev runs it before starting or testing.

Two changes to the CSS, both for the content security policy (our own origin only): its
images are written as /assets/…, which becomes a path relative to the CSS file; and its
@font-face rules, which load the Frutiger web font from another origin, are left out, so the
pages use the design system's fallback fonts (Arial) without a blocked request.

The source-map comments at the end of the CSS and JavaScript are left out too, and the maps
are not copied: the CSS map would describe the CSS before those changes, and with
CANDOUR_DEBUG=0 the manifest storage (collectstatic) refuses a file that names a map it
cannot find. Nobody debugs the design system's minified code in Candour.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = ROOT / "build" / "static" / "nhsuk"

REMOTE_FONT = re.compile(r"@font-face\s*\{[^}]*https?://[^}]*\}")
ASSET_URL = re.compile(r"url\((['\"]?)/assets/")
SOURCE_MAP = re.compile(r"\s*(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$")


class AssetsMissing(RuntimeError):
    pass


def version(source: Path = SOURCE) -> str:
    return json.loads((source.parent.parent / "package.json").read_text())["version"]


def without_source_map(text: str) -> str:
    return SOURCE_MAP.sub("\n", text)


def css(text: str) -> str:
    return without_source_map(ASSET_URL.sub(r"url(\1assets/", REMOTE_FONT.sub("", text)))


def build(source: Path = SOURCE, target: Path = TARGET) -> list[Path]:
    """Copy the design system into `target`; returns the files written."""
    if not (source / "nhsuk-frontend.min.css").exists():
        raise AssetsMissing(
            f"{source} has no nhsuk-frontend.min.css: run `npm ci` in {ROOT} first."
        )
    if target.exists():
        shutil.rmtree(target)
    (target / "assets").parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "assets", target / "assets")
    out = target / "nhsuk-frontend.min.css"
    out.write_text(css((source / "nhsuk-frontend.min.css").read_text()))
    js = without_source_map((source / "nhsuk-frontend.min.js").read_text())
    (target / "nhsuk-frontend.min.js").write_text(js)
    (target / "VERSION").write_text(version(source) + "\n")
    return sorted(p for p in target.rglob("*") if p.is_file())


def main() -> None:
    try:
        written = build()
    except AssetsMissing as error:
        sys.exit(str(error))
    print(f"NHS.UK frontend {version()}: {len(written)} files in {TARGET.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
