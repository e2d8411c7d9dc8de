"""Commands for this subject are added by its issue."""
