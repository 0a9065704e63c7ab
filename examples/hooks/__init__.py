"""Custom transformation hooks used by the example imports."""
