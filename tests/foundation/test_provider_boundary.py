"""Nothing outside the provider's folder names it, except where it is registered."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROVIDER = "intercom"
PROVIDER_HOME = REPO / "connectors" / "providers" / PROVIDER
# Registration: the installed apps, the sandbox's base URL, and the sandbox's URL mount.
REGISTRATION = {REPO / "portal" / "settings.py", REPO / "portal" / "urls.py"}
PRODUCT_FOLDERS = ("portal", "connectors", "templates", "static")


def _product_files() -> list[Path]:
    files: list[Path] = []
    for folder in PRODUCT_FOLDERS:
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".js", ".css", ".txt"} and path.is_file():
                files.append(path)
    return files


def test_only_the_provider_package_and_its_registration_name_the_provider() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in _product_files()
        if PROVIDER_HOME not in path.parents and path not in REGISTRATION
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if PROVIDER in line.lower()
    ]
    assert not offenders, f"provider named outside its package: {offenders}"
