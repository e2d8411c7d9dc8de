"""The outside world behind small interfaces, chosen by configuration."""
