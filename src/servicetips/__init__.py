"""Service Tips core: load, validate, schedule and publish a library of customer-service tips.

The core never imports MkDocs; `hooks/` adapts it to the site build.
"""

__version__ = "0.1.0"
