"""Nothing outside a provider's folder names it or speaks its vocabulary.

The words are a table written here from each provider's own documentation, not read from
the code: for Intercom, its name, its console ("Developer Hub"), its workspace id field
(`id_code`), its token path (`/auth/eagle/token`), its `/me` type (`admin_with_app`), its
hosts and its version header. The only other place a provider may appear is the
settings' installed apps, as the dotted path of its Django app.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROVIDERS = REPO / "connectors" / "providers"
VOCABULARY = {
    "intercom": ["intercom", "developer hub", "id_code", "eagle", "admin_with_app"],
}
PRODUCT_FOLDERS = ("portal", "connectors", "templates", "static", "docker", "bench", "scripts")
SUFFIXES = {".py", ".html", ".js", ".css", ".txt", ".yaml", ".yml"}
SETTINGS = REPO / "portal" / "settings.py"


def _product_files() -> list[Path]:
    return sorted(
        path
        for folder in PRODUCT_FOLDERS
        for path in (REPO / folder).rglob("*")
        if path.is_file() and (path.suffix in SUFFIXES or path.name == "Dockerfile")
    )


def test_the_vocabulary_table_covers_every_provider_folder() -> None:
    folders = {p.name for p in PROVIDERS.iterdir() if p.is_dir() and (p / "apps.py").exists()}
    assert folders == set(VOCABULARY)


@pytest.mark.parametrize("provider", sorted(VOCABULARY))
def test_only_the_provider_folder_and_its_installed_app_name_the_provider(provider: str) -> None:
    home = PROVIDERS / provider
    words = VOCABULARY[provider]
    app_path = re.compile(rf'"connectors\.providers\.{provider}(\.\w+)*"')
    offenders = []
    for path in _product_files():
        if home in path.parents:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            text = line.lower()
            if path == SETTINGS:
                text = app_path.sub("", text)  # an installed app's dotted path is allowed
            if any(word in text for word in words):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:80]}")
    assert not offenders, "provider named outside its folder:\n" + "\n".join(offenders)
