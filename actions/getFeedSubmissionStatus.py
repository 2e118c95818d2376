"""getFeedSubmissionStatus: a submission's processing status and dates (one request, no waiting)."""

from amazon_mws.steps.feed_actions import emit_status


def process(ctx, msg, cfg, snapshot):
    emit_status(ctx, msg, cfg)
