"""getFeedSubmissionResult: the parsed processing report of a submission (finishes a capped job)."""

from amazon_mws.steps.feed_actions import emit_result


def process(ctx, msg, cfg, snapshot):
    emit_result(ctx, msg, cfg)
