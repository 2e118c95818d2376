"""Feed documents built from JSON, validated before sending, and the submit-and-check job.

- `build.build_feed(step, body, merchant_id)` / `products.build_product_feed(...)`: JSON -> FeedDocument(s),
  or FeedInputError naming `messages[i].field` and the rule (nothing is sent).
- `job`: `start` (SubmitFeed) -> `check` (one status check) -> `finish` (the report); `run_to_completion`.
- `action`: the shared body of every feed action (build, submit, wait, emit).
"""
