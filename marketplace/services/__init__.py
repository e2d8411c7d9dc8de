"""Domain rules. A service function owns its transaction: it commits or rolls back."""
