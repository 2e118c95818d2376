"""What both backends share: error kinds and the decision table, the typed model and hardened XML, quotas and
the limiter, paging, processing reports, marketplaces, times and wire parameters."""
