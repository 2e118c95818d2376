"""What the steps do, kept out of the thin step modules so it can be tested and reused."""
