#!/usr/bin/env python
"""Kept for habit: `uv run openkommune …` is the same."""

from openkommune.cli import main

if __name__ == "__main__":
    main()
