"""One reader per kind of content file: checked dicts in, frozen dataclasses out."""
