#!/usr/bin/env python
"""Django's command-line utility for the connector portal."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # `manage.py up` is the newcomer's path: development defaults, before settings load
    # (the sandbox follows DEBUG, so an explicit DEBUG=false leaves it off).
    if len(sys.argv) > 1 and sys.argv[1] == "up":
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
