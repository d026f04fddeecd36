"""Speech models: what is installed and how to get more."""
