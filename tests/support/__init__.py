"""Helpers shared by tests (fixture stores made by real MLflow releases)."""
