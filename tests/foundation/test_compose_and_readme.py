"""The compose file is the production shape docs/operations.md describes, variable for variable."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# The configuration table and "Running in production" moved from the README to this guide.
README = (REPO / "docs" / "operations.md").read_text()
COMPOSE = yaml.safe_load((REPO / "docker" / "compose.yaml").read_text())
ENV_EXAMPLE = (REPO / "docker" / ".env.example").read_text()
SETTINGS = (REPO / "portal" / "settings.py").read_text()


def _configuration() -> str:
    return README.split("## Configuration", 1)[1].split("\n## ", 1)[0]


def _readme_variables() -> set[str]:
    return set(re.findall(r"^\| `([A-Z_]+)` \|", _configuration(), flags=re.MULTILINE))


def _readme_finer_knobs() -> set[str]:
    """The health engine's knobs the section names in prose rather than in the table."""
    return set(re.findall(r"`(HEALTH_[A-Z_]+)`", _configuration())) - _readme_variables()


def _settings_variables() -> set[str]:
    found = set(re.findall(r"env\.(?:bool|int|float|str|list)\(\s*\"([A-Z_]+)\"", SETTINGS))
    assert len(found) > 20, "settings.py no longer reads variables the way this test expects"
    return found


def test_compose_has_the_production_services_from_one_image() -> None:
    services = COMPOSE["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    images = {services[name]["image"] for name in ("migrate", "web", "worker", "beat")}
    assert len(images) == 1
    assert "celery" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert "migrate" in services["migrate"]["command"]


def test_every_setting_is_in_the_readme_table_and_the_env_example() -> None:
    documented = _readme_variables()
    for name in _settings_variables() - _readme_finer_knobs():
        assert name in documented, f"{name} is read by settings.py but missing from the docs"
        if name != "PORTAL_VAR_DIR":
            assert re.search(rf"^#? ?{name}=", ENV_EXAMPLE, flags=re.MULTILINE), (
                f"{name} is missing from docker/.env.example"
            )


def test_the_readme_names_the_compose_services_and_commands() -> None:
    production = README.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    for service in ("postgres", "redis", "migrate", "web", "worker", "beat"):
        assert f"`{service}`" in production
    assert "docker compose -f docker/compose.yaml" in production


def test_compose_passes_every_setting_to_the_portal_containers() -> None:
    environment = COMPOSE["services"]["web"]["environment"]
    # PORTAL_VAR_DIR is fixed by the image itself.
    for name in _settings_variables() - {"PORTAL_VAR_DIR"} - _readme_finer_knobs():
        assert name in environment, f"{name} is not passed through docker/compose.yaml"
