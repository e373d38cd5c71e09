"""The one date the tests treat as today, unless a test is about another date."""

from __future__ import annotations

from datetime import date

AS_OF = "2026-11-23"  # a Monday, ISO week 2026-W48; the form the CLI and TIPS_AS_OF take
AS_OF_DATE = date.fromisoformat(AS_OF)
