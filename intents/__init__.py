"""Text to intent: normalising, numbers, fuzzy matching."""
